"""An action's refusal on a page: one themed error page per status, in the visitor's
language, never the action's own (English, API) message."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from portal.core.context import SYSTEM, Caller
from portal.core.errors import (
    ActionError,
    BadRequest,
    NotAuthorized,
    NotFound,
    SearchError,
    TooManyRequests,
    ValidationError,
)
from portal.services import Portal
from portal.web.support.errors import page_status
from tests.conftest import Accounts, org_params, package_params
from tests.web.signin import sign_in

Client = Any


@pytest.fixture
def people(portal: Portal, accounts: Accounts) -> dict[str, Caller]:
    for name, title in (("edu", "县教育局"), ("health", "县卫生健康委"), ("water", "县水务局")):
        portal.call("organization_create", org_params(name, title=title), user=SYSTEM)
    portal.call("package_create", package_params(
        "patients", "health", title="门诊统计", share_type="conditional",
        share_condition="限诊疗统计使用", legal_basis="《基本医疗卫生与健康促进法》"),
        user=SYSTEM)
    return {
        "bureau": accounts.user("bureau", sysadmin=True)[0],
        "edu-editor": accounts.user("edu-editor", roles={"edu": "editor"})[0],
        "water-editor": accounts.user("water-editor", roles={"water": "editor"})[0],
    }


@pytest.fixture
def signed_in(app: Any, people: dict[str, Caller]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = app.test_client()
        assert sign_in(client, name).status_code == 302
        return client
    return make


@pytest.mark.parametrize("path", ["/console/review/no-such-review",
                                  "/console/share-request/no-such-request",
                                  "/console/grant/no-such-grant",
                                  "/console/open-application/no-such-application"])
def test_an_unknown_record_in_the_console_is_the_chinese_404_page(
        signed_in: Callable[[str], Client], path: str) -> None:
    response = signed_in("bureau").get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "页面不存在" in html and "返回首页" in html
    assert "_show" not in html and "Not Found" not in html


def test_the_error_page_keeps_the_visitor_s_language(signed_in: Callable[[str], Client]) -> None:
    bureau = signed_in("bureau")
    html = bureau.get("/console/review/no-such-review?lang=en").get_data(as_text=True)
    assert "Page not found" in html and "页面不存在" not in html
    # The choice is kept for the following pages, error pages included.
    html = bureau.get("/console/grant/no-such-grant").get_data(as_text=True)
    assert "Page not found" in html and "grant_show" not in html


def test_a_record_the_action_refuses_is_the_403_page(portal: Portal, people: dict[str, Caller],
                                                      signed_in: Callable[[str], Client]) -> None:
    made = portal.call("share_request_create", {
        "organization_id": "edu", "datasets": ["patients"], "scenario": "学生健康档案核验",
        "purpose": "入学体检",
        "period_end": (portal.clock.today() + timedelta(days=365)).isoformat()},
        user=people["edu-editor"])
    path = f"/console/share-request/{made['id']}"
    assert signed_in("edu-editor").get(path).status_code == 200
    response = signed_in("water-editor").get(path)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "无权访问" in html and "您无权查看此页面" in html
    # The action's message names the action and who may see it: the page does not.
    assert "share_request_show" not in html and "may see" not in html


@pytest.mark.parametrize("path", ["/console/review/no-such-review", "/console/grants",
                                  "/console/share-request/no-such-request"])
def test_anonymous_visitors_to_staff_pages_are_still_asked_to_sign_in(
        client: Client, people: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/user/login?next={path}"


def test_a_busy_portal_is_the_429_page_in_the_visitor_s_language(
        portal: Portal, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(ctx: Any, params: dict[str, Any]) -> Any:
        raise TooManyRequests("datastore_search: 4 searches are running", retry_after=2)

    spec = portal.actions["package_search"]
    monkeypatch.setitem(portal.actions, "package_search", dataclasses.replace(spec, func=busy))
    response = client.get("/dataset")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "请求过于频繁" in html and "请稍候再试" in html
    assert "datastore_search" not in html and "Bad request" not in html
    html = client.get("/dataset?lang=en").get_data(as_text=True)
    assert "Too many requests" in html and "Please wait a moment" in html


@pytest.mark.parametrize(("error", "status"), [
    (NotFound("no such review"), 404),
    (NotAuthorized("x may not grant_show"), 403),
    (ValidationError({"status": ["Value must be one of: a, b"]}), 400),
    (BadRequest("unreadable"), 400),
    (SearchError("the engine is down"), 500),
    (ActionError("broken"), 500),
])
def test_each_action_error_has_one_page_status(error: ActionError, status: int) -> None:
    assert page_status(error) == status
