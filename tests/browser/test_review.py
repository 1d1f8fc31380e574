"""A bureau reviewer in a real browser: the queue, the report, approval, the public file."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from portal.actions.resources import Upload
from tests.conftest import Accounts, org_params, package_params

pytestmark = pytest.mark.browser

PEOPLE_CSV = ("姓名,手机号码,乡镇\n张伟,13812345678,城关镇\n王芳,13987654321,双河镇\n"
              "李娜,15011112222,大庄镇\n").encode()


def sign_in_as_reviewer(page: Any, site: str) -> None:
    """The password, then (bureau staff) enrolling a second factor with the key the page
    shows, as a phone would from its QR code; on to the console."""
    page.goto(site + "/user/login")
    page.fill("#f-name", "reviewer")
    page.fill("#f-password", "password-reviewer")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/user/2fa$"))
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启").click()
    page.get_by_role("link", name="继续").click()
    page.wait_for_url(re.compile(r"/console$"))


def submitted_site(live_server_factory: Any, org: str, org_title: str, name: str,
                   title: str, notes: str, items: list[dict[str, Any]], resource: str,
                   filename: str, data: bytes) -> str:
    """A live portal with a reviewer and a department's entry of one file, submitted for
    review; its URL."""
    server, portal = live_server_factory()
    accounts = Accounts(portal)
    accounts.user("reviewer", sysadmin=True)
    admin = portal.caller_by_name("reviewer")
    portal.call("organization_create", org_params(org, title=org_title), user=admin)
    editor, _token = accounts.user(f"{org}-editor", roles={org: "editor"})
    portal.call("package_create", package_params(name, org, title=title, notes=notes,
                                                 data_items=items), user=editor)
    portal.call("resource_create", {"package_id": name, "name": resource,
                                    "upload": Upload(filename, io.BytesIO(data))}, user=editor)
    portal.call("publication_submit", {"id": name, "note": "请审核"}, user=editor)
    return server.url


@pytest.fixture
def site(live_server_factory: Any) -> str:
    """A department's entry with names and mobile numbers, submitted for review."""
    return submitted_site(
        live_server_factory, "civil", "县民政局", "relief-contacts", "临时救助联系人名单",
        "临时救助对象及联系电话。", [{"name": "姓名", "type": "text", "personal": True},
                         {"name": "手机号码", "type": "text", "personal": True}],
        "联系人名单", "联系人名单.csv", PEOPLE_CSV)


def test_a_reviewer_approves_an_entry_and_the_public_can_download_it(
        page: Any, browser: Any, site: str, screenshot: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/dataset/relief-contacts")
    expect(page.locator(".error-code")).to_have_text("404")  # not public while in review

    sign_in_as_reviewer(page, site)
    expect(page.locator("#in-review")).to_contain_text("临时救助联系人名单")

    page.locator(".console-nav").get_by_role("link", name="审核队列").click()
    queue = page.locator("#review-queue")
    expect(queue).to_contain_text("县民政局")
    expect(queue).to_contain_text("可以通过")
    queue.get_by_role("link", name="临时救助联系人名单").click()

    report = page.locator(".report").first
    expect(report.locator(".badge-decision")).to_have_text("处理后允许发布")
    expect(report).to_contain_text("138****5678")
    expect(report).to_contain_text("张*")
    expect(report.locator(".report-table")).to_contain_text("手机号码")
    expect(page.locator(".review-reports")).not_to_contain_text("13812345678")
    expect(page.locator(".review-catalog")).to_contain_text("临时救助对象及联系电话。")
    screenshot("review-report")

    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator(".flash-success")).to_contain_text("已审核通过")
    expect(page.locator("#review-status")).to_have_text("已通过")
    screenshot("review-approved")

    # An anonymous visitor now finds the entry and downloads the treated file.
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(site + "/dataset/relief-contacts")
    expect(visitor.locator("h1")).to_have_text("临时救助联系人名单")
    with visitor.expect_download() as info:
        visitor.locator(".resource .button").first.click()
    saved = tmp_path / "download.csv"
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "138****5678" in text and "13812345678" not in text
    screenshot("review-public-page", visitor.locator("main"))
    visitor.context.close()


SCHOOLS_CSV = "学校,办公电话\n" + "".join(f"第{i}小学,1385570{i:04d}\n" for i in range(8))


@pytest.fixture
def conflict_site(live_server_factory: Any) -> str:
    """Schools' office mobiles declared not personal: the gate treats them and flags a
    conflict for the reviewer."""
    return submitted_site(
        live_server_factory, "edu", "县教育局", "school-phones", "学校办公电话",
        "全县学校办公电话。", [{"name": "学校", "type": "text"}, {"name": "办公电话", "type": "text"}],
        "办公电话", "学校.csv", SCHOOLS_CSV.encode())


def test_a_reviewer_confirms_a_declaration_and_accepts_the_high_risk(
        page: Any, conflict_site: str, screenshot: Any) -> None:
    from playwright.sync_api import expect

    site = conflict_site
    sign_in_as_reviewer(page, site)
    page.locator(".console-nav").get_by_role("link", name="审核队列").click()
    page.locator("#review-queue").get_by_role("link", name="学校办公电话").click()

    risk = page.locator("#risk")
    expect(risk).to_contain_text("再识别风险")
    expect(risk.locator(".risk-badge")).to_have_text("中")
    expect(page.locator(".released-preview")).to_contain_text("138****0000")
    expect(page.locator(".review-reports")).not_to_contain_text("13855700000")
    screenshot("review-conflict")

    form = page.locator(".confirm-item-form")
    form.locator("input[name=confirm_reason]").fill("学校办公电话依法公开")
    form.get_by_role("button", name="确认").click()
    expect(page.locator(".flash-success")).to_contain_text("已确认声明")
    expect(page.locator("#risk .risk-badge")).to_have_text("高")
    expect(page.locator(".released-preview")).to_contain_text("13855700000")

    # The browser will not send an approval without the tick and a reason.
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator("#review-status")).not_to_have_text("已通过")
    page.get_by_label("我接受本次发布的高再识别风险").check()
    page.fill("#f-risk-reason", "学校办公电话依法公开，接受风险")
    screenshot("review-accept-risk")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator(".flash-success")).to_contain_text("已审核通过")
    expect(page.locator("#review-status")).to_have_text("已通过")
