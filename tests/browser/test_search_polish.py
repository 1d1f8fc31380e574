"""Search polish in a real browser: titles sorted by pinyin through the sort menu, a
stray quote searched as words with a notice, and "您是不是要找" leading to results."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import Accounts, org_params, package_params

pytestmark = pytest.mark.browser

# Created in this order; sorted by pinyin they read 安全, 北京, 长春, 重庆, 银行.
TITLES = ["重庆路学校", "银行网点学校", "长春路学校", "安全学校", "北京路学校"]


@pytest.fixture
def site(live_server_factory: Any) -> str:
    server, portal = live_server_factory()
    admin, _token = Accounts(portal).user("polish-admin", sysadmin=True)
    portal.call("organization_create", org_params("edu", title="县教育局"), user=admin)
    for n, title in enumerate(TITLES):
        portal.call("package_create", package_params(f"school-{n}", "edu", title=title,
                                                     tags=[{"name": "学校"}]), user=admin)
    return server.url


def test_pinyin_sort_stray_quote_and_did_you_mean(page: Any, site: str) -> None:
    from playwright.sync_api import expect

    titles = page.locator(".ds-list h3 a")
    page.goto(site + "/dataset?q=学校")
    page.select_option("select[name=sort]", "title_string asc")  # submits itself
    page.wait_for_url(re.compile(r"sort=title_string"))
    expect(titles).to_have_text(["安全学校", "北京路学校", "长春路学校", "重庆路学校",
                                 "银行网点学校"])

    page.fill("#q", '学校"')
    page.press("#q", "Enter")
    expect(page.locator("#quote-notice")).to_have_text("引号不成对，已按普通文字搜索。")
    expect(titles).to_have_count(len(TITLES))

    page.fill("#q", "xuexao")  # pinyin with a slip
    page.press("#q", "Enter")
    link = page.locator("#did-you-mean a", has_text="学校")
    expect(page.locator("#did-you-mean")).to_contain_text("您是不是要找：")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-did-you-mean.png"))
    link.click()
    expect(titles).to_have_count(len(TITLES))
