"""The public pages in a real browser, over real HTTP."""

from __future__ import annotations

import re
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


def test_home_page_loads_in_chinese(page: Any, site: str, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/")
    expect(page).to_have_title(re.compile("泗县公共数据开放平台"))
    expect(page.locator("h1")).to_have_text("泗县公共数据开放平台")
    expect(page.locator(".libraries")).to_contain_text("基础库")
    expect(page.locator("svg.bar-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    screenshot("home-zh")


def test_search_finds_a_known_dataset(page: Any, site: str, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/")
    page.fill("#hero-q", "学校")
    page.press("#hero-q", "Enter")
    page.wait_for_url(re.compile(r"/dataset\?q="))
    expect(page.locator(".ds-list h3 a")).to_have_text(["全县学校名录"])
    page.get_by_role("link", name=re.compile("基础库")).first.click()
    expect(page.locator(".active-filters")).to_contain_text("基础库")
    page.select_option("select[name=sort]", "name asc")  # submits by itself (portal.js)
    page.wait_for_url(re.compile(r"sort=name"))
    expect(page.locator(".ds-list h3 a")).to_have_text(["全县学校名录"])
    screenshot("search")


def test_dataset_page_lists_its_resources(page: Any, site: str, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/dataset/schools")
    expect(page.locator("h1")).to_have_text("全县学校名录")
    resources = page.locator(".resource h3")
    expect(resources).to_have_text(["学校名录", "教育局网站"])
    with page.expect_download() as info:
        page.locator(".resource .button").first.click()
    download = info.value
    # The public's file is the released one, named after its resource (never the
    # uploaded file's own name, "学校名录 2024.csv").
    assert download.suggested_filename == "学校名录.csv"
    screenshot("dataset")


def test_english_switch(page: Any, site: str, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/dataset/schools")
    page.get_by_role("link", name="English").click()
    expect(page.locator(".main-nav")).to_contain_text("Datasets")
    expect(page.locator("#catalog")).to_contain_text("Resource code")
    page.locator(".main-nav").get_by_role("link", name="Home", exact=True).click()
    expect(page.locator("h1")).to_have_text("Sixian County Open Data Portal")
    screenshot("home-en")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("泗县公共数据开放平台")


def test_narrow_screen(browser: Any, site: str) -> None:
    from tests.browser.conftest import SCREENSHOTS

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tab = context.new_page()
    tab.goto(site + "/dataset/schools")
    width = tab.evaluate("document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "dataset-mobile.png"), full_page=True)
    context.close()
    assert width <= 390, "the page scrolls sideways on a phone"
