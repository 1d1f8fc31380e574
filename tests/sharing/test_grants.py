"""Grants: who sees and revokes them, the usage log, the functions the access layer
calls (portal.access), and API tokens restricted to one grant — refused everything but
reading the grant's datasets, and dead once the grant is revoked or over."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from portal import access as grants
from portal.core.context import Caller
from portal.core.errors import NotAuthorized, ValidationError
from portal.models import ApiToken, Dataset, GrantToken
from tests.api.helpers import Api, fingerprint
from tests.sharing.conftest import LATER, County, refused
from tests.support.clock import CountyClock


def dataset_id(county: County, name: str) -> str:
    with county.portal.session() as session:
        found = session.scalar(select(Dataset.id).where(Dataset.name == name))
        assert found is not None
        return found


def active(county: County, who: str | Caller | None, dataset: str, on: str) -> str | None:
    caller = county.users[who] if isinstance(who, str) else who
    with county.portal.session() as session:
        grant = grants.active_grant(session, caller, dataset_id(county, dataset),
                                    date.fromisoformat(on))
        return grant.id if grant else None


def test_active_grant_follows_grantee_dataset_period_and_status(county: County) -> None:
    grant = county.share_grant()
    gid = grant["id"]
    for who in ("edu-member", "edu-editor", "edu-admin"):  # every member of the unit
        assert active(county, who, "patients", "2026-09-30") == gid
    assert active(county, "edu-member", "patients", LATER) == gid  # the end is inclusive
    assert active(county, "edu-member", "patients", "2027-07-01") is None
    assert active(county, "edu-member", "patients", "2026-09-29") is None
    assert active(county, "edu-member", "clinics", "2026-09-30") is None  # not covered
    for who in ("health-admin", "town-admin", "resident", "bureau", "anonymous"):
        assert active(county, who, "patients", "2026-09-30") is None
    county.call("health-admin", "grant_revoke", {"id": gid, "reason": "停止共享"})
    assert active(county, "edu-member", "patients", "2026-09-30") is None


def test_a_grant_token_counts_its_own_grant_only(county: County) -> None:
    first, second = county.share_grant(), county.share_grant()
    member = county.users["edu-member"]
    assert member is not None
    assert active(county, "edu-member", "patients", "2026-10-01") in {first["id"],
                                                                       second["id"]}
    for grant in (first, second):
        token = Caller(id=member.id, name=member.name, grant_id=grant["id"])
        assert active(county, token, "patients", "2026-10-01") == grant["id"]
        assert active(county, token, "clinics", "2026-10-01") is None
    stranger = Caller(id=county.users["health-admin"].id, name="health-admin",  # type: ignore[union-attr]
                      grant_id=first["id"])
    assert active(county, stranger, "patients", "2026-10-01") is None  # not a grantee


def test_an_open_grant_is_the_applicant_s_alone(county: County) -> None:
    made = county.apply()
    approved = county.call("bureau", "open_application_approve", {"id": made["id"]})
    assert active(county, "resident", "enrolment", "2026-10-01") == approved["grant_id"]
    for who in ("neighbour", "edu-admin", "company"):
        assert active(county, who, "enrolment", "2026-10-01") is None


def test_unconditional_share_access_is_for_government_units(county: County) -> None:
    def allowed(who: str, name: str) -> bool:
        with county.portal.session() as session:
            ds = session.scalar(select(Dataset).where(Dataset.name == name))
            return grants.unconditional_share_allowed(county.users[who], ds)

    for who in ("edu-member", "health-editor", "town-editor", "gov-member", "bureau"):
        assert allowed(who, "clinics"), who
    for who in ("water-editor", "resident", "anonymous"):  # a utility applies
        assert not allowed(who, "clinics"), who
    assert not allowed("edu-member", "patients")  # conditional
    assert not allowed("edu-member", "health-draft")  # not published
    grant = county.share_grant()
    token_caller = Caller(id=county.users["edu-member"].id, name="edu-member",  # type: ignore[union-attr]
                          grant_id=grant["id"])
    with county.portal.session() as session:
        ds = session.scalar(select(Dataset).where(Dataset.name == "clinics"))
        assert not grants.unconditional_share_allowed(token_caller, ds)


def test_uses_are_logged_and_listed(county: County) -> None:
    share = county.share_grant()
    made = county.apply()
    opened = county.call("bureau", "open_application_approve", {"id": made["id"]})
    patients, clinics, enrolment = (dataset_id(county, n)
                                    for n in ("patients", "clinics", "enrolment"))
    with county.portal.session() as session, session.begin():
        grants.record_use(session, grant_id=share["id"], user_id=county.users["edu-member"].id,  # type: ignore[union-attr]
                          dataset_id=patients, resource_id=None, action="datastore_search",
                          detail={"q": "诊断"})
        grants.record_use(session, grant_id=None, user_id=county.users["edu-member"].id,  # type: ignore[union-attr]
                          dataset_id=clinics, resource_id=None, action="share_access")
        grants.record_use(session, grant_id=opened["grant_id"],
                          user_id=county.users["resident"].id,  # type: ignore[union-attr]
                          dataset_id=enrolment, resource_id=None, action="download")
    uses = county.call("health-admin", "grant_usage_list", {"id": share["id"]})
    assert [(u["action"], u["user"], u["dataset"], u["detail"]) for u in uses] == \
        [("datastore_search", "edu-member", "patients", {"q": "诊断"})]
    assert county.call("edu-member", "grant_usage_list", {"id": share["id"]}) == uses
    by_dataset = county.call("health-member", "grant_usage_list", {"dataset": "clinics"})
    assert [(u["grant_id"], u["action"]) for u in by_dataset] == [(None, "share_access")]
    # Who holds an open grant is shown to them and the bureau, not to the data's owner.
    assert [u["user"] for u in county.call("edu-admin", "grant_usage_list",
                                           {"dataset": "enrolment"})] == [None]
    assert [u["user"] for u in county.call("bureau", "grant_usage_list",
                                           {"id": opened["grant_id"]})] == ["resident"]
    assert [u["user"] for u in county.call("resident", "grant_usage_list",
                                           {"id": opened["grant_id"]})] == ["resident"]
    assert county.call("edu-admin", "grant_show", {"id": opened["grant_id"]})["user"] is None
    refused(county, "edu-admin", "grant_usage_list", {"dataset": "clinics"}, NotAuthorized)
    refused(county, "town-admin", "grant_usage_list", {"id": share["id"]}, NotAuthorized)


def test_who_sees_which_grant(county: County, clock: CountyClock) -> None:
    share = county.share_grant()
    town = county.share_grant(org="town", who="town-editor")
    made = county.apply()
    opened = county.call("bureau", "open_application_approve", {"id": made["id"]})["grant_id"]

    def listed(who: str, **params: Any) -> set[str]:
        return {g["id"] for g in county.call(who, "grant_list", params)}

    assert listed("bureau") == {share["id"], town["id"], opened}
    assert listed("edu-member") == {share["id"], opened}  # theirs; on edu's data
    assert listed("health-member") == {share["id"], town["id"]}
    assert listed("town-admin") == {town["id"]}
    assert listed("resident") == {opened}
    assert listed("neighbour") == listed("gov-member") == set()
    assert listed("bureau", kind="open") == {opened}
    assert listed("bureau", organization="town") == {town["id"]}
    assert listed("bureau", dataset="enrolment") == {opened}
    county.call("bureau", "grant_revoke", {"id": town["id"], "reason": "到期前收回"})
    assert listed("bureau", status="revoked") == {town["id"]}
    assert listed("bureau", current=True) == {share["id"], opened}
    clock.set("2027-07-01")
    assert listed("bureau", current=True) == set()
    shown = county.call("edu-member", "grant_show", {"id": share["id"]})
    assert (shown["active"], shown["expired"], shown["status"]) == (False, True, "active")


def test_revoking(county: County) -> None:
    grant = county.share_grant()
    for who in ("edu-admin", "edu-editor", "health-editor", "health-member", "town-admin",
                "resident", "anonymous"):
        refused(county, who, "grant_revoke", {"id": grant["id"], "reason": "撤销"},
                NotAuthorized)
    refused(county, "health-admin", "grant_revoke", {"id": grant["id"]}, ValidationError)
    revoked = county.call("health-admin", "grant_revoke", {"id": grant["id"],
                                                          "reason": "共享条件变化"})
    assert (revoked["status"], revoked["revoked_by"], revoked["revoke_reason"],
            revoked["active"]) == ("revoked", "health-admin", "共享条件变化", False)
    assert "status" in refused(county, "bureau", "grant_revoke",
                               {"id": grant["id"], "reason": "再撤"}, ValidationError)


# --- grant tokens ------------------------------------------------------------------------

@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)


def grant_token(county: County, who: str = "edu-member") -> tuple[dict[str, Any], str]:
    grant = county.share_grant()
    made = county.call(who, "grant_token_create", {"grant_id": grant["id"]})
    assert (made["grant_id"], made["ends"]) == (grant["id"], LATER)
    return grant, made["token"]


def test_a_grant_token_reads_only_its_grant_s_datasets(county: County, api: Api) -> None:
    grant, token = grant_token(county)
    assert api.post("status_show", {}, token=token)[0] == 200
    status, body = api.post("package_show", {"id": "patients"}, token=token)
    assert (status, body["result"]["name"]) == (200, "patients")
    resource = body["result"]["resources"][0]["id"]
    assert api.get("resource_show", {"id": resource}, token=token)[0] == 200
    before = fingerprint(county.portal)
    for name, params in [("package_show", {"id": "clinics"}),
                         ("package_show", {"id": "schools"}),
                         ("package_search", {}), ("package_list", {}),
                         ("organization_show", {"id": "edu"}),
                         ("user_show", {"id": "edu-member"}),
                         ("grant_list", {}), ("api_token_list", {}),
                         ("share_request_create", {"organization_id": "edu",
                                                   "datasets": ["clinics"],
                                                   "scenario": "s", "period_end": LATER}),
                         ("package_patch", {"id": "patients", "title": "改"}),
                         ("grant_token_create", {"grant_id": grant["id"]})]:
        status, body = api.post(name, params, token=token)
        assert (status, body["error"]["__type"]) == (403, "Authorization Error"), name
        assert f"grant {grant['id']}" in body["error"]["message"], name
    assert fingerprint(county.portal) == before
    # The same user's own token is not restricted.
    assert api.post("package_show", {"id": "schools"}, token=county.tokens["edu-member"])[
        0] == 200


def test_the_check_is_in_the_portal_not_only_the_api(county: County) -> None:
    grant = county.share_grant()
    caller = county.portal.caller_by_token(
        county.call("edu-member", "grant_token_create", {"grant_id": grant["id"]})["token"])
    assert caller is not None and (caller.grant_id, caller.roles, caller.sysadmin) == \
        (grant["id"], {}, False)
    assert county.portal.call("package_show", {"id": "patients"}, user=caller)["name"] == \
        "patients"
    for name, params in [("package_show", {"id": "clinics"}), ("help_show", {"name": "x"}),
                         ("notification_list", {})]:
        with pytest.raises(NotAuthorized, match=f"grant {grant['id']}"):
            county.portal.call(name, params, user=caller)


def test_a_grant_token_dies_with_its_grant(county: County, api: Api, clock: CountyClock) -> None:
    grant, token = grant_token(county)
    clock.set(LATER)  # the last day still counts
    assert api.post("package_show", {"id": "patients"}, token=token)[0] == 200
    clock.set("2027-07-01")
    status, body = api.post("package_show", {"id": "patients"}, token=token)
    assert status == 403 and f"ended on {LATER}" in body["error"]["message"]
    assert api.post("status_show", {}, token=token)[0] == 403  # authenticates nobody

    clock.set("2026-10-01")
    assert api.post("package_show", {"id": "patients"}, token=token)[0] == 200
    county.call("bureau", "grant_revoke", {"id": grant["id"], "reason": "发现超范围使用"})
    status, body = api.post("package_show", {"id": "patients"}, token=token)
    assert status == 403 and "was revoked" in body["error"]["message"]
    assert "发现超范围使用" in body["error"]["message"]


def test_a_grant_token_dies_when_its_holder_leaves_the_unit(county: County, api: Api) -> None:
    _, token = grant_token(county)
    county.call("bureau", "organization_member_delete", {"id": "edu", "username": "edu-member"})
    status, body = api.post("package_show", {"id": "patients"}, token=token)
    assert status == 403 and "no longer a grantee" in body["error"]["message"]


def test_revoking_the_token_itself(county: County, api: Api) -> None:
    grant = county.share_grant()
    made = county.call("edu-admin", "grant_token_create", {"grant_id": grant["id"],
                                                          "name": "统计系统"})
    assert made["name"] == "统计系统"
    county.call("edu-admin", "api_token_revoke", {"jti": made["id"]})
    assert api.post("status_show", {}, token=made["token"])[0] == 403
    with county.portal.session() as session:
        assert session.scalar(select(func.count()).select_from(GrantToken)) == 0
        assert session.get(ApiToken, made["id"]) is None


def test_who_may_make_a_grant_token(county: County) -> None:
    grant = county.share_grant()
    for who in ("health-admin", "town-admin", "resident", "anonymous", "bureau"):
        refused(county, who, "grant_token_create", {"grant_id": grant["id"]}, NotAuthorized)
    # Nobody makes one for another user, but the bureau may make one for a grantee.
    refused(county, "edu-admin", "grant_token_create",
            {"grant_id": grant["id"], "user": "edu-member"}, NotAuthorized)
    refused(county, "bureau", "grant_token_create",
            {"grant_id": grant["id"], "user": "health-admin"}, NotAuthorized)
    made = county.call("bureau", "grant_token_create", {"grant_id": grant["id"],
                                                       "user": "edu-member"})
    caller = county.portal.caller_by_token(made["token"])
    assert caller is not None and caller.name == "edu-member"
    county.call("bureau", "grant_revoke", {"id": grant["id"], "reason": "收回"})
    assert "revoked" in refused(county, "edu-member", "grant_token_create",
                                {"grant_id": grant["id"]}, ValidationError)
