"""Licence titles in the page's language (facets, entry pages); the API keeps CKAN's."""

from __future__ import annotations

import re

from portal.core.licenses import license_list
from portal.web.public.licence_titles import TITLES
from tests.web.conftest import Catalog


def test_every_licence_title_is_translatable() -> None:
    assert {lic["title"] for lic in license_list()} <= set(TITLES)


def test_licence_facet_in_chinese_and_english(client, catalog: Catalog) -> None:
    zh = client.get("/dataset").get_data(as_text=True)
    assert "知识共享署名 4.0" in zh and "Creative Commons Attribution 4.0" not in zh
    en = client.get("/dataset", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Creative Commons Attribution 4.0" in en and "知识共享署名 4.0" not in en


def test_entry_page_in_chinese_and_english(client, catalog: Catalog) -> None:
    zh = client.get("/dataset/schools").get_data(as_text=True)
    assert re.search(r'rel="license noopener">知识共享署名 4\.0</a>', zh)
    en = client.get("/dataset/schools", query_string={"lang": "en"}).get_data(as_text=True)
    assert re.search(r'rel="license noopener">Creative Commons Attribution 4\.0</a>', en)


def test_the_api_keeps_ckans_english_titles(client, catalog: Catalog) -> None:
    shown = client.get("/api/3/action/package_show", query_string={"id": "schools"},
                       headers={"Accept-Language": "zh-CN"}).get_json()["result"]
    assert shown["license_title"] == "Creative Commons Attribution 4.0"
    licences = client.get("/api/3/action/license_list?lang=zh").get_json()["result"]
    assert {lic["title"] for lic in licences} >= {"Creative Commons Attribution 4.0",
                                                  "Open Data Commons Open Database License (ODbL)"}


def test_an_unknown_licence_id_is_shown_as_it_is(client, catalog: Catalog) -> None:
    from portal.web.public.licence_titles import shown_title

    assert shown_title("<b>My licence</b>") == "<b>My licence</b>"
    assert shown_title("") == ""
