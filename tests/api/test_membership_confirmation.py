"""An organization admin cannot make a self-registered citizen staff alone: the membership
waits for the bureau, and until then the account reads nothing of the department's drafts."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import Api, make_user
from tests.conftest import Accounts, org_params, package_params
from tests.web.signin import csrf_of, sign_in


@pytest.fixture
def county(portal: Portal, client: Any) -> dict[str, Any]:
    for name in ("edu", "water"):
        portal.call("organization_create", org_params(name), user=SYSTEM)
    portal.call("package_create", package_params("budget-draft", "edu",
                                                 publication_state="draft"), user=SYSTEM)
    portal.call("user_register", {"name": "zhang-san", "fullname": "张三",
                                  "email": "zs@example.cn", "password": "Correct-Horse-9-x"})
    return {
        "api": Api(client),
        "admin": make_user(portal, "edu-admin", roles={"edu": "admin"})[1],
        "bureau": make_user(portal, "bureau", sysadmin=True)[1],
        "citizen": portal.call("api_token_create", {"user": "zhang-san"}, user=SYSTEM)["token"],
    }


def reads_draft(county: dict[str, Any]) -> bool:
    api: Api = county["api"]
    status, _ = api.get("package_show", {"id": "budget-draft"}, token=county["citizen"])
    assert status in (200, 404)
    found = api.get("package_search", {"q": "", "include_drafts": "true"},
                    token=county["citizen"])[1]["result"]
    assert (status == 200) == (found["count"] == 1)
    return status == 200


def test_a_citizen_made_member_by_an_org_admin_waits_for_the_bureau(
        county: dict[str, Any]) -> None:
    api: Api = county["api"]
    status, body = api.post("organization_member_create",
                            {"id": "edu", "username": "zhang-san", "role": "editor"},
                            token=county["admin"])
    assert status == 200
    assert body["result"] == {"organization": "edu", "username": "zhang-san",
                              "role": "editor", "state": "pending"}
    assert not reads_draft(county)
    # Not a member yet anywhere the portal looks: no role, not listed as staff.
    users = api.get("organization_show", {"id": "edu", "include_users": "true"},
                    token=county["admin"])[1]["result"]["users"]
    assert "zhang-san" not in {u["name"] for u in users}
    status, _ = api.post("package_create", package_params("by-citizen", "edu"),
                         token=county["citizen"])
    assert status == 403
    # Neither the citizen nor the org admin can confirm it.
    for who in ("citizen", "admin"):
        status, _ = api.post("organization_member_confirm",
                             {"id": "edu", "username": "zhang-san"}, token=county[who])
        assert status == 403, who
        assert not reads_draft(county)
    # The bureau is told, lists it and confirms: now the citizen reads the draft.
    notes = api.get("notification_list", {}, token=county["bureau"])[1]["result"]
    assert any("zhang-san" in n["subject"] for n in notes)
    pending = api.get("organization_member_request_list", {}, token=county["bureau"])[1]
    assert [(r["organization"], r["username"], r["role"], r["requested_by"])
            for r in pending["result"]] == [("edu", "zhang-san", "editor", "edu-admin")]
    status, body = api.post("organization_member_confirm",
                            {"id": "edu", "username": "zhang-san"}, token=county["bureau"])
    assert (status, body["result"]["state"], body["result"]["role"]) == (200, "active", "editor")
    assert reads_draft(county)
    assert api.get("organization_member_request_list", {},
                   token=county["bureau"])[1]["result"] == []


def test_a_refused_or_withdrawn_request_leaves_no_access(county: dict[str, Any]) -> None:
    api: Api = county["api"]
    ask = {"id": "edu", "username": "zhang-san", "role": "member"}
    assert api.post("organization_member_create", ask, token=county["admin"])[0] == 200
    assert api.post("organization_member_reject", {"id": "edu", "username": "zhang-san"},
                    token=county["bureau"])[0] == 200
    assert api.post("organization_member_confirm", {"id": "edu", "username": "zhang-san"},
                    token=county["bureau"])[0] == 404  # nothing left to confirm
    assert not reads_draft(county)
    assert api.post("organization_member_create", ask, token=county["admin"])[0] == 200
    assert api.post("organization_member_delete", {"id": "edu", "username": "zhang-san"},
                    token=county["admin"])[0] == 200
    assert api.post("organization_member_confirm", {"id": "edu", "username": "zhang-san"},
                    token=county["bureau"])[0] == 404
    assert not reads_draft(county)


def test_an_org_admin_cannot_ask_for_another_department(county: dict[str, Any]) -> None:
    status, _ = county["api"].post("organization_member_create",
                                   {"id": "water", "username": "zhang-san"},
                                   token=county["admin"])
    assert status == 403
    assert county["api"].get("organization_member_request_list", {},
                             token=county["bureau"])[1]["result"] == []


def test_staff_and_accounts_the_bureau_made_go_through_at_once(
        portal: Portal, county: dict[str, Any]) -> None:
    api: Api = county["api"]
    make_user(portal, "new-clerk")  # made by the bureau (user_create)
    make_user(portal, "water-clerk", roles={"water": "member"})  # staff elsewhere
    for name in ("new-clerk", "water-clerk"):
        status, body = api.post("organization_member_create",
                                {"id": "edu", "username": name, "role": "member"},
                                token=county["admin"])
        assert (status, body["result"]["state"]) == (200, "active"), name
    # A role change of the organization's own staff, and the bureau's own additions.
    status, body = api.post("organization_member_create",
                            {"id": "edu", "username": "new-clerk", "role": "editor"},
                            token=county["admin"])
    assert (body["result"]["state"], body["result"]["role"]) == ("active", "editor")
    status, body = api.post("organization_member_create",
                            {"id": "edu", "username": "zhang-san", "role": "member"},
                            token=county["bureau"])
    assert (status, body["result"]["state"]) == (200, "active")
    assert reads_draft(county)


def test_the_bureau_confirms_on_the_console(app: Any, accounts: Accounts,
                                            county: dict[str, Any]) -> None:
    accounts.user("reviewer", sysadmin=True)
    county["api"].post("organization_member_create",
                       {"id": "edu", "username": "zhang-san", "role": "member"},
                       token=county["admin"])
    bureau = app.test_client()
    sign_in(bureau, "reviewer")
    page = bureau.get("/console/members")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "待确认的成员" in html and "zhang-san" in html
    done = bureau.post("/console/members/decide", data={
        "csrf_token": csrf_of(html), "organization": "edu", "username": "zhang-san",
        "do": "confirm"})
    assert done.status_code == 302
    assert reads_draft(county)
    # Others may not even see the list.
    clerk = app.test_client()
    accounts.user("edu-clerk", roles={"edu": "admin"})
    sign_in(clerk, "edu-clerk")
    assert clerk.get("/console/members").status_code == 403
