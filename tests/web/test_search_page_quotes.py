"""A stray quote in a search is searched as plain words, with a notice, never a 400."""

from __future__ import annotations

import pytest

from tests.web.conftest import Catalog
from tests.web.test_search import titles

NOTICE_ZH = "引号不成对，已按普通文字搜索。"
NOTICE_EN = "The quotation marks do not pair up: searched as plain words."


@pytest.mark.parametrize("q", ['学校"', '"学校', '全县 "学校', '"学校" "名录', "学校＂\"",
                               '学校\\"'])
def test_an_unbalanced_quote_searches_the_words(client, catalog: Catalog, q: str) -> None:
    response = client.get("/dataset", query_string={"q": q})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["全县学校名录"]
    assert NOTICE_ZH in html


def test_the_notice_is_in_the_page_language(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": '学校"', "lang": "en"}).get_data(as_text=True)
    assert NOTICE_EN in html and NOTICE_ZH not in html


def test_paired_quotes_are_a_phrase_without_notice(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": '"学校名录"'}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录"]
    assert NOTICE_ZH not in html
    # A quote inside a pair of others is no stray quote either: the phrase finds nothing.
    html = client.get("/dataset", query_string={"q": '"名录学校"'}).get_data(as_text=True)
    assert titles(html) == [] and NOTICE_ZH not in html


def test_the_api_answers_the_same_results(client, catalog: Catalog) -> None:
    page = titles(client.get("/dataset", query_string={"q": '"学校'}).get_data(as_text=True))
    response = client.get("/api/3/action/package_search", query_string={"q": '"学校'})
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True
    assert [d["title"] for d in body["result"]["results"]] == page == ["全县学校名录"]


def test_fq_keeps_refusing_an_unbalanced_quote(client, catalog: Catalog) -> None:
    # fq is written by programs: a broken one is their error to see (CKAN: Solr's 400).
    response = client.get("/api/3/action/package_search", query_string={"fq": 'tags:"教育'})
    assert response.status_code == 400
    assert response.get_json()["error"]["__type"] == "Search Query Error"
