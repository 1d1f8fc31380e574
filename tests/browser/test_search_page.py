"""The search page in a real browser: marked matches, a facet, sort, pages, and a
search that finds nothing leading, through a suggestion, to one that does."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import Accounts, org_params, package_params
from tests.web.conftest import create_catalog

pytestmark = pytest.mark.browser

ROUTES = 30
CITY = 24  # routes tagged 城区; the others are tagged 城乡


@pytest.fixture
def site(live_server_factory: Any) -> str:
    server, portal = live_server_factory()
    admin, _token = Accounts(portal).user("web-admin", sysadmin=True)
    create_catalog(portal, admin)
    portal.call("organization_create", org_params("traffic", title="县交通运输局"), user=admin)
    for n in range(1, ROUTES + 1):
        portal.call("package_create", package_params(
            f"bus-{n:02d}", "traffic", title=f"{n}路公交线路",
            notes=f"本县{n}路公交线路的走向、站点和首末班时间，途经人民路、解放路。",
            tags=[{"name": "城区" if n <= CITY else "城乡"}]), user=admin)
    return server.url


def test_search_marks_filters_sorts_pages_and_suggests(page: Any, site: str,
                                                       screenshot: Any) -> None:
    from playwright.sync_api import expect

    titles = page.locator(".ds-list h3 a")
    count = page.locator(".result-bar .count")

    page.goto(site + "/dataset")
    page.fill("#q", "公交线路")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/dataset\?q="))
    expect(count).to_have_text(f"共找到 {ROUTES} 个数据集")
    expect(titles).to_have_count(20)
    # the words typed are marked in the titles and in the summaries' excerpts
    expect(page.locator(".ds-list h3 mark").first).to_have_text("公交线路")
    assert page.locator(".ds-list h3 mark").count() == 20
    expect(page.locator(".ds-notes mark").first).to_have_text("公交线路")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-highlight.png"))  # the first screenful

    # a facet narrows the results
    page.locator(".facet a", has=page.locator(".facet-label", has_text=re.compile("^城区$"))).click()
    page.wait_for_url(re.compile(r"tags="))
    expect(count).to_have_text(f"共找到 {CITY} 个数据集")
    expect(page.locator(".active-filters")).to_contain_text("城区")

    # the sort submits by itself, keeping the query and the facet
    page.select_option("select[name=sort]", "name asc")
    page.wait_for_url(re.compile(r"sort=name"))
    expect(titles.first).to_have_text("1路公交线路")
    expect(count).to_have_text(f"共找到 {CITY} 个数据集")

    # the second page holds the rest, in the same order
    page.locator(".pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(titles).to_have_text([f"{n}路公交线路" for n in range(21, CITY + 1)])
    expect(page.locator(".pager strong[aria-current=page]")).to_have_text("2")

    # a wrong character of the same pinyin finds nothing, and is offered the right one
    page.fill("#q", "公教线路")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=%E5%85%AC%E6%95%99"))
    expect(page.locator("#no-results h2")).to_have_text("没有找到与“公教线路”相关的数据集")
    offer = page.locator(".suggestion-homophone")
    expect(offer).to_contain_text("您是不是要找：公交线路")
    expect(offer.locator(".count")).to_have_text(f"{CITY} 个数据集")  # the facet still applies
    screenshot("search-no-results")
    offer.get_by_role("link", name="公交线路").click()
    page.wait_for_url(re.compile(r"q=%E5%85%AC%E4%BA%A4"))
    expect(count).to_have_text(f"共找到 {CITY} 个数据集")
    expect(page.locator(".ds-list h3 mark").first).to_have_text("公交线路")
    expect(page.locator(".active-filters")).to_contain_text("城区")
    screenshot("search-after-suggestion")
