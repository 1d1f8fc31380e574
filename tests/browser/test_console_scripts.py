"""The console's scripts still work under the Content-Security-Policy now that they are
files (static/js): the entry form's data-item rows and the confirmation before a delete.
The page fixture fails the test on any CSP refusal in the console."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from portal.actions.resources import Upload
from tests.conftest import Accounts, org_params, package_params

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server_factory: Any) -> str:
    server, portal = live_server_factory()
    accounts = Accounts(portal)
    admin = accounts.user("bureau", sysadmin=True)[0]
    portal.call("organization_create", org_params("edu", title="县教育局"), user=admin)
    editor = accounts.user("edu-editor", roles={"edu": "editor"})[0]
    portal.call("package_create", package_params("schools", "edu", title="学校名录"),
                user=editor)
    portal.call("resource_create", {"package_id": "schools", "name": "名单",
                                    "upload": Upload("名单.csv", io.BytesIO(b"a,b\n1,2\n"))},
                user=editor)
    return server.url


def sign_in(page: Any, site: str) -> None:
    page.goto(site + "/user/login")
    page.fill("#f-name", "edu-editor")
    page.fill("#f-password", "password-edu-editor")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/console"))


def test_data_item_rows_are_added_without_a_round_trip(page: Any, site: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, site)
    page.goto(site + "/console/dataset/schools/edit")
    rows = page.locator("#data-items-editor tbody tr")
    before = rows.count()
    url = page.url
    page.locator("#data-items-editor [name=more_rows]").click()
    expect(rows).to_have_count(before + 1)  # the script added it: no form was sent
    assert page.url == url
    names = [rows.nth(i).locator("input").first.get_attribute("name") for i in range(before + 1)]
    assert names[-1].startswith(f"data_items-{before}-")


def test_a_delete_asks_first(page: Any, site: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, site)
    page.goto(site + "/console/dataset/schools")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    delete = page.locator("form[data-confirm] button").first
    delete.click()
    expect(page.locator("form[data-confirm]")).to_have_count(1)  # still there
    assert asked and asked[0]  # the page's own question was asked
