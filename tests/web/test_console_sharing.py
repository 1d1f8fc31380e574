"""Sharing through the console's forms: a department editor requests another
department's data, the bureau approves it and the grant shows its uses until it is
revoked; a citizen applies for conditionally open data and the bureau approves it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.actions.resources import Upload
from portal.core.clock import Clock
from portal.core.context import SYSTEM, Caller
from portal.models import Grant, ShareRequest
from portal.services import Portal
from tests.conftest import Accounts, org_params, package_params
from tests.web.signin import post_form, sign_in

Client = Any
CSV = "区域,人口\n城关镇,52000\n双河镇,18800\n".encode()


def later() -> str:
    return (Clock().today() + timedelta(days=365)).isoformat()


@pytest.fixture
def county(portal: Portal, accounts: Accounts) -> dict[str, Caller]:
    portal.call("organization_create", org_params("edu", title="县教育局"), user=SYSTEM)
    portal.call("organization_create", org_params("health", title="县卫生健康委"), user=SYSTEM)
    portal.call("package_create", package_params(
        "patients", "health", title="门诊统计", share_type="conditional",
        share_condition="限诊疗统计使用", legal_basis="《基本医疗卫生与健康促进法》",
        resources=[{"name": "门诊", "upload": Upload("门诊.csv", io.BytesIO(CSV))}]),
        user=SYSTEM)
    portal.call("package_create", package_params(
        "enrolment", "edu", title="全县入学人数", open_type="conditional",
        open_condition="实名申请，限研究使用"), user=SYSTEM)
    people = {
        "bureau": accounts.user("bureau", sysadmin=True)[0],
        "edu-editor": accounts.user("edu-editor", roles={"edu": "editor"})[0],
        "health-editor": accounts.user("health-editor", roles={"health": "editor"})[0],
        "health-admin": accounts.user("health-admin", roles={"health": "admin"})[0],
    }
    # As the server's operator: held to the length and the common list, so the citizen
    # keeps the accounts fixture's "password-<name>" (the policy is in test_account_passwords).
    portal.call("user_register", {"name": "citizen", "email": "c@example.cn",
                                  "password": "password-citizen"}, user=SYSTEM)
    return people


@pytest.fixture
def signed_in(app: Any, county: dict[str, Caller]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = app.test_client()
        assert sign_in(client, name).status_code == 302
        return client
    return make


def count(portal: Portal, model: Any) -> int:
    with portal.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def request_form(**overrides: str) -> dict[str, str]:
    form = {"organization_id": "edu", "datasets": "patients", "scenario": "学生健康档案核验",
            "purpose": "入学体检", "fields": "", "period_end": later(), "materials": ""}
    form.update(overrides)
    return form


def test_share_request_through_the_console(portal: Portal, county: dict[str, Caller],
                                           signed_in: Callable[[str], Client]) -> None:
    editor = signed_in("edu-editor")
    form = editor.get("/console/share-requests/new").get_data(as_text=True)
    assert 'name="scenario"' in form and "县教育局" in form

    # No scenario: the error is beside the field and nothing is filed.
    page = post_form(editor, "/console/share-requests/new", **request_form(scenario=""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="scenario-errors"' in html and "学生健康档案核验" not in html
    assert "入学体检" in html  # the values typed are kept
    assert count(portal, ShareRequest) == 0

    done = post_form(editor, "/console/share-requests/new", **request_form())
    assert done.status_code == 302
    req_id = done.headers["Location"].rsplit("/", 1)[-1]
    req = portal.call("share_request_show", {"id": req_id}, user=SYSTEM)
    assert req["status"] == "pending" and req["due"]

    # The bureau sees it with its due date and days left.
    bureau = signed_in("bureau")
    listing = bureau.get("/console/share-requests?status=pending").get_data(as_text=True)
    assert "县教育局" in listing and req["due"] in listing and "门诊统计" in listing
    assert "days-left" in listing

    # A department editor may not approve: 403, nothing changes.
    refused = post_form(editor, f"/console/share-request/{req_id}",
                        f"/console/share-request/{req_id}/approve", reason="")
    assert refused.status_code == 403
    assert portal.call("share_request_show", {"id": req_id}, user=SYSTEM)["status"] == "pending"
    assert count(portal, Grant) == 0
    assert "approve-form" not in editor.get(f"/console/share-request/{req_id}").get_data(
        as_text=True)

    # Rejecting needs a reason: shown on the page.
    page = post_form(bureau, f"/console/share-request/{req_id}",
                     f"/console/share-request/{req_id}/reject", reason="")
    assert page.status_code == 200 and "field-errors" in page.get_data(as_text=True)
    assert portal.call("share_request_show", {"id": req_id}, user=SYSTEM)["status"] == "pending"

    approved = post_form(bureau, f"/console/share-request/{req_id}",
                         f"/console/share-request/{req_id}/approve", reason="同意")
    assert approved.status_code == 302
    req = portal.call("share_request_show", {"id": req_id}, user=SYSTEM)
    assert req["status"] == "approved" and req["grant_id"]
    grant_id = req["grant_id"]

    grants = bureau.get("/console/grants").get_data(as_text=True)
    assert f"/console/grant/{grant_id}" in grants and "县教育局" in grants

    # A use by the grantee shows in the usage log.
    resource = portal.call("package_show", {"id": "patients"}, user=SYSTEM)["resources"][0]
    portal.call("resource_download", {"id": resource["id"]}, user=county["edu-editor"])
    page = bureau.get(f"/console/grant/{grant_id}").get_data(as_text=True)
    uses = re.search(r'<table class="data-table" id="uses">.*?</table>', page, re.S)
    assert uses and "edu-editor" in uses.group(0) and "patients" in uses.group(0)
    assert f"/console/grant/{grant_id}/revoke" in page

    # The grantee's editor sees no revoke form and may not revoke.
    assert f"/console/grant/{grant_id}/revoke" not in editor.get(
        f"/console/grant/{grant_id}").get_data(as_text=True)
    refused = post_form(editor, f"/console/grant/{grant_id}",
                        f"/console/grant/{grant_id}/revoke", reason="不再需要")
    assert refused.status_code == 403

    # The data's department admin revokes it (a reason is required).
    admin = signed_in("health-admin")
    page = post_form(admin, f"/console/grant/{grant_id}", f"/console/grant/{grant_id}/revoke",
                     reason="")
    assert page.status_code == 200 and "field-errors" in page.get_data(as_text=True)
    assert portal.call("grant_show", {"id": grant_id}, user=SYSTEM)["status"] == "active"
    done = post_form(admin, f"/console/grant/{grant_id}", f"/console/grant/{grant_id}/revoke",
                     reason="超出使用范围")
    assert done.status_code == 302
    grant = portal.call("grant_show", {"id": grant_id}, user=SYSTEM)
    assert grant["status"] == "revoked" and grant["revoke_reason"] == "超出使用范围"


def test_citizen_applies_and_the_bureau_approves(portal: Portal, county: dict[str, Caller],
                                                 signed_in: Callable[[str], Client]) -> None:
    citizen = signed_in("citizen")
    entry = citizen.get("/dataset/enrolment").get_data(as_text=True)
    assert "/user/apply/enrolment" in entry
    # Staff use share requests: no apply link for them.
    assert "/user/apply/enrolment" not in signed_in("edu-editor").get(
        "/dataset/enrolment").get_data(as_text=True)

    page = post_form(citizen, "/user/apply/enrolment", scenario="", security_measures="加密存储",
                     purpose="论文", period_end=later(), applicant_type="citizen",
                     company_name="")
    assert page.status_code == 200 and 'id="scenario-errors"' in page.get_data(as_text=True)
    done = post_form(citizen, "/user/apply/enrolment", scenario="教育研究",
                     security_measures="加密存储，专人管理", purpose="论文", period_end=later(),
                     applicant_type="citizen", company_name="")
    assert done.status_code == 302 and done.headers["Location"].endswith("/user/applications")
    mine = citizen.get("/user/applications").get_data(as_text=True)
    assert "教育研究" in mine and "全县入学人数" in mine

    bureau = signed_in("bureau")
    queue = bureau.get("/console/open-applications").get_data(as_text=True)
    match = re.search(r"/console/open-application/([0-9a-f-]+)", queue)
    assert match and "全县入学人数" in queue
    app_id = match.group(1)
    due = portal.call("open_application_show", {"id": app_id}, user=SYSTEM)["due"]
    assert due in queue

    # A department editor may not decide.
    editor = signed_in("edu-editor")
    assert post_form(editor, "/console", f"/console/open-application/{app_id}/approve",
                     reason="").status_code == 403
    done = post_form(bureau, f"/console/open-application/{app_id}",
                     f"/console/open-application/{app_id}/approve", reason="")
    assert done.status_code == 302
    app = portal.call("open_application_show", {"id": app_id}, user=SYSTEM)
    assert app["status"] == "approved" and app["grant_id"]

    mine = citizen.get("/user/applications").get_data(as_text=True)
    assert f"/user/grant/{app['grant_id']}/token" in mine
    token = post_form(citizen, "/user/applications", f"/user/grant/{app['grant_id']}/token")
    assert token.status_code == 200
    assert 'class="token"' in token.get_data(as_text=True)
