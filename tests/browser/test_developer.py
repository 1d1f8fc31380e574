"""The API's front door in a real browser: 开发者 from the navigation, its examples and
action list, the OpenAPI reading, and the footer's /api/3/action/ link."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Accounts
from tests.web.conftest import create_catalog

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server_factory: Any) -> str:
    server, portal = live_server_factory()
    admin, _token = Accounts(portal).user("web-admin", sysadmin=True)
    create_catalog(portal, admin)
    return server.url


def test_from_the_navigation_to_the_openapi_reading(page: Any, site: str,
                                                     screenshot: Any) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/")
    page.locator("nav.main-nav").get_by_role("link", name="开发者").click()
    expect(page).to_have_url(site + "/developer")
    expect(page.locator("h1")).to_have_text("开发者")
    expect(page.locator('[data-example="curl"]')).to_contain_text(
        f"{site}/api/3/action/package_search?q=学校")
    expect(page.locator('[data-example="python"]')).to_contain_text("import requests")
    expect(page.locator('[data-example="ckanapi"]')).to_contain_text("ckanapi action")
    row = page.locator("table.action-list tr", has_text="package_search")
    expect(row.first).to_contain_text("读")
    expect(page.locator("table.action-list tr", has_text="package_create").first
           ).to_contain_text("写")
    screenshot("developer-zh")

    page.locator("table.action-list").get_by_role("link", name="package_search",
                                                  exact=True).click()
    expect(page).to_have_url(site + "/developer/openapi#package_search")
    expect(page.locator("section#package_search h2")).to_contain_text(
        "GET POST /api/3/action/package_search")
    screenshot("developer-openapi")


def test_the_footer_link_and_the_action_root_lead_to_the_page(page: Any, site: str) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/dataset")
    page.locator("footer").get_by_role("link", name="/api/3/action/").click()
    expect(page).to_have_url(site + "/developer")
    page.goto(site + "/api/3/action/")  # typed into the address bar
    expect(page).to_have_url(site + "/developer")
