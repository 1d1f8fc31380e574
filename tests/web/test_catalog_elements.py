"""The console's entry form and the pages' element tables come from the one
catalog-element table (portal/core/catalog_elements.py): every element on the form is
a field, every element SHOWN a row of the entry's page, each in Chinese."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest

from portal.core.catalog_elements import ELEMENTS, FIELDSETS, FORM, SHOWN
from portal.core.context import SYSTEM
from portal.services import Portal
from portal.web.support import catalog as web_catalog
from tests.conftest import Accounts, org_params
from tests.web.conftest import Catalog
from tests.web.signin import sign_in
from tests.web.test_translations import catalog_messages

ZH = catalog_messages()


def zh(msgid: str) -> str:
    return ZH[msgid]


def headings(html: str) -> list[str]:
    return [htmllib.unescape(t) for t in re.findall(r"<dt>([^<]+)</dt>", html)]


def test_every_message_of_the_element_table_has_a_chinese_translation() -> None:
    ids = [*FIELDSETS, *(m for e in ELEMENTS for m in (e.label, e.hint, e.page_label) if m)]
    assert [m for m in ids if not ZH.get(m)] == []
    assert set(web_catalog.messages()) == set(ids)


@pytest.fixture
def editor(app: Any, portal: Portal, accounts: Accounts) -> Any:
    portal.call("organization_create", org_params("edu", title="县教育局"), user=SYSTEM)
    accounts.user("edu-editor", roles={"edu": "editor"})
    client = app.test_client()
    assert sign_in(client, "edu-editor").status_code == 302
    return client


def test_every_form_element_is_a_field_of_the_entry_form(editor: Any) -> None:
    page = editor.get("/console/dataset/new").get_data(as_text=True)
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends == [zh(name) for name, _elements in FORM]
    for _name, elements in FORM:
        for element in elements:
            name = "data_items-0-name" if element.widget == "items" else element.key
            assert f'name="{name}"' in page, element.key
            assert htmllib.escape(zh(element.label), quote=False) in page, element.key
            if element.hint:
                assert htmllib.escape(zh(element.hint), quote=False) in page, element.key
            if element.widget in ("text", "date", "textarea", "select", "org"):
                tag = re.search(rf'<(input|textarea|select) id="f-{element.key}"[^>]*>', page)
                assert tag, element.key
                if element.required:
                    assert " required" in tag.group(0), element.key
                if element.maxlength:
                    assert f'maxlength="{element.maxlength}"' in tag.group(0), element.key


def test_a_new_entry_starts_at_the_table_s_defaults(editor: Any) -> None:
    page = editor.get("/console/dataset/new").get_data(as_text=True)
    for key, code in (("share_method", "api"), ("grading", "general"),
                      ("license_id", "notspecified")):
        select = re.search(rf'<select id="f-{key}".*?</select>', page, re.S)
        assert select and f'<option value="{code}" selected>' in select.group(0), key


def test_every_shown_element_is_a_row_of_the_entry_s_page(client: Any, catalog: Catalog) -> None:
    page = client.get("/dataset/schools").get_data(as_text=True)
    section = page.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    rows = headings(section)
    shown = [zh(e.heading) for e in SHOWN]
    assert rows[:len(shown)] == shown  # in the table's order, the page's own rows after
    assert {"许可协议", "创建时间"} <= set(rows[len(shown):])
    # Each kind of value: text, a coded value's label, a list, the provider, a period.
    for value in ("全县学校名录", "基础库", "教育/学校", "申请函", "县教育局",
                  "2020-01-01 — 2023-12-31"):
        assert value in section, value
