"""Every refusal is a clear NotAuthorized or ValidationError that changes nothing (the
audit head and every table's row count stay as they were), tried by someone who should
not succeed."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.errors import NotAuthorized, NotFound, ValidationError
from tests.sharing.conftest import LATER, County, refused


def invalid(county: County, who: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    before_message = refused(county, who, action, params, ValidationError)
    assert before_message
    with pytest.raises(ValidationError) as caught:
        county.call(who, action, params)
    return caught.value.errors


REQUEST = {"organization_id": "edu", "datasets": ["patients"], "scenario": "学生健康档案核验",
           "fields": ["姓名"], "period_end": LATER, "materials": ["申请函", "安全承诺书"]}


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"scenario": ""}, "scenario", "Missing value"),
    ({"scenario": "   "}, "scenario", "Missing value"),
    ({"scenario": None}, "scenario", "Missing value"),
    ({"datasets": []}, "datasets", "Missing value"),
    ({"datasets": ["secrets"]}, "datasets", "no-share data cannot be requested"),
    ({"datasets": ["patients", "secrets", "nope"]}, "datasets", "nope: no such catalog entry"),
    ({"datasets": ["health-draft"]}, "datasets", "not published"),
    ({"datasets": ["schools"]}, "datasets", "edu's own"),
    ({"datasets": [f"d{i}" for i in range(51)]}, "datasets", "At most 50"),
    ({"fields": ["姓名", "住址", "电话"]}, "fields", "住址, 电话"),
    ({"materials": ["申请函"]}, "materials", "patients: 安全承诺书"),
    ({"materials": []}, "materials", "申请函, 安全承诺书"),
    ({"period_end": "2026-09-30"}, "period_end", "after today"),
    ({"period_end": "2029-10-01"}, "period_end", "on or before 2029-09-30"),
    ({"period_end": "soon"}, "period_end", "YYYY-MM-DD"),
    ({"period_end": None}, "period_end", "Missing value"),
])
def test_bad_share_requests(county: County, change: dict[str, Any], key: str,
                            says: str) -> None:
    errors = invalid(county, "edu-editor", "share_request_create", {**REQUEST, **change})
    assert list(errors) == [key] and says in " ".join(errors[key])


def test_the_no_share_refusal_names_each_entry(county: County) -> None:
    errors = invalid(county, "edu-editor", "share_request_create",
                     {**REQUEST, "datasets": ["secrets", "health-draft"]})
    assert errors["datasets"] == [
        "secrets: no-share data cannot be requested unless the entry is reclassified "
        "(Art. 25)", "health-draft: not published in the catalog"]


def test_who_may_not_request(county: County) -> None:
    for who in ("anonymous", "edu-member", "health-admin", "resident", "gov-editor"):
        message = refused(county, who, "share_request_create", REQUEST, NotAuthorized)
        assert "may not share_request_create" in message
    assert "editor or admin" in refused(county, "edu-member", "share_request_create",
                                        REQUEST, NotAuthorized)
    refused(county, "edu-editor", "share_request_create",
            {**REQUEST, "organization_id": "nope"}, NotFound)


def test_who_may_not_decide(county: County) -> None:
    made = county.share()
    decisions = [("share_request_approve", {"id": made["id"]}),
                 ("share_request_reject", {"id": made["id"], "reason": "否"}),
                 ("share_request_confirm", {"id": made["id"]})]
    # The department whose data it is, the requester, the county government before the
    # bureau has approved, and everyone else.
    for who in ("health-editor", "health-admin", "edu-editor", "edu-admin", "gov-editor",
                "town-admin", "resident", "anonymous"):
        for action, params in decisions:
            refused(county, who, action, params, NotAuthorized)
    assert "only bureau staff" in refused(county, "health-admin", "share_request_approve",
                                          {"id": made["id"]}, NotAuthorized)
    # A department's request is final with the bureau: nothing to confirm.
    assert list(invalid(county, "bureau", "share_request_confirm", {"id": made["id"]})) == \
        ["status"]
    assert list(invalid(county, "bureau", "share_request_reject", {"id": made["id"]})) == \
        ["reason"]
    assert list(invalid(county, "bureau", "share_request_approve", {
        "id": made["id"], "period_end": "2027-12-31"})) == ["period_end"]  # longer than asked


def test_only_the_county_government_confirms(county: County) -> None:
    made = county.share(who="town-editor", org="town")
    county.call("bureau", "share_request_approve", {"id": made["id"]})
    for who in ("town-editor", "town-admin", "health-admin", "edu-admin", "gov-member",
                "resident", "anonymous"):
        refused(county, who, "share_request_confirm", {"id": made["id"]}, NotAuthorized)
        refused(county, who, "share_request_reject", {"id": made["id"], "reason": "否"},
                NotAuthorized)
    assert "county government" in refused(county, "town-admin", "share_request_confirm",
                                          {"id": made["id"]}, NotAuthorized)
    # Approved once: the bureau does not approve again.
    assert list(invalid(county, "bureau", "share_request_approve", {"id": made["id"]})) == \
        ["status"]
    county.call("gov-editor", "share_request_confirm", {"id": made["id"]})
    for action, params in [("share_request_confirm", {"id": made["id"]}),
                           ("share_request_reject", {"id": made["id"], "reason": "否"}),
                           ("share_request_approve", {"id": made["id"]})]:
        assert list(invalid(county, "bureau", action, params)) == ["status"]


def test_who_may_not_see_a_request(county: County) -> None:
    made = county.share()
    for who in ("town-admin", "water-editor", "gov-editor", "resident", "anonymous"):
        refused(county, who, "share_request_show", {"id": made["id"]}, NotAuthorized)
    for who in ("resident", "anonymous"):
        assert "staff" in refused(county, who, "share_request_list", {}, NotAuthorized)
    refused(county, "bureau", "share_request_show", {"id": "no-such"}, NotFound)
    assert list(invalid(county, "bureau", "share_request_list", {"status": "open"})) == \
        ["status"]


APPLICATION = {"dataset": "enrolment", "scenario": "教育研究", "security_measures": "加密存储",
               "period_end": LATER}


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"scenario": ""}, "scenario", "Missing value"),
    ({"security_measures": ""}, "security_measures", "Missing value"),
    ({"dataset": "clinics"}, "dataset", "open without conditions"),
    ({"dataset": "patients"}, "dataset", "not open to the public"),
    ({"dataset": "health-draft"}, "dataset", "Not a published public catalog entry"),
    ({"dataset": "nope"}, "dataset", "Not a published public catalog entry"),
    ({"applicant_type": "company"}, "company_name", "Required"),
    ({"applicant_type": "agency"}, "applicant_type", "must be one of"),
    ({"period_end": "2026-01-01"}, "period_end", "after today"),
])
def test_bad_applications(county: County, change: dict[str, Any], key: str,
                          says: str) -> None:
    errors = invalid(county, "resident", "open_application_create", {**APPLICATION, **change})
    assert list(errors) == [key] and says in " ".join(errors[key])


def test_staff_do_not_apply_for_open_data(county: County) -> None:
    for who in ("edu-member", "health-admin", "town-editor", "gov-member", "anonymous"):
        message = refused(county, who, "open_application_create", APPLICATION, NotAuthorized)
        assert "may not open_application_create" in message
    assert "share requests" in refused(county, "edu-member", "open_application_create",
                                       APPLICATION, NotAuthorized)
    # Bureau staff neither, for themselves or for another staff member.
    assert "staff of an organization" in refused(county, "bureau", "open_application_create",
                                                 APPLICATION, NotAuthorized)
    refused(county, "bureau", "open_application_create",
            {**APPLICATION, "applicant": "edu-member"}, NotAuthorized)
    # A resident files for themself only.
    refused(county, "resident", "open_application_create",
            {**APPLICATION, "applicant": "neighbour"}, NotAuthorized)


def test_applications_are_private_and_decided_by_the_bureau(county: County) -> None:
    made = county.apply()
    for who in ("neighbour", "company", "edu-admin", "health-admin", "anonymous"):
        message = refused(county, who, "open_application_show", {"id": made["id"]},
                          NotAuthorized)
        assert "only the applicant" in message or "anonymous" in message
        for action, params in [("open_application_approve", {"id": made["id"]}),
                               ("open_application_reject", {"id": made["id"],
                                                            "reason": "否"})]:
            refused(county, who, action, params, NotAuthorized)
    for action, params in [("open_application_approve", {"id": made["id"]}),
                           ("open_application_reject", {"id": made["id"], "reason": "否"})]:
        refused(county, "resident", action, params, NotAuthorized)  # not their own either
    refused(county, "anonymous", "open_application_list", {}, NotAuthorized)
    assert list(invalid(county, "bureau", "open_application_reject", {"id": made["id"]})) == \
        ["reason"]
    county.call("bureau", "open_application_reject", {"id": made["id"], "reason": "否"})
    assert list(invalid(county, "bureau", "open_application_approve", {"id": made["id"]})) == \
        ["status"]


def test_grants_are_not_shown_to_others(county: County) -> None:
    grant = county.share_grant()
    for who in ("town-admin", "gov-editor", "resident", "anonymous"):
        refused(county, who, "grant_show", {"id": grant["id"]}, NotAuthorized)
    refused(county, "anonymous", "grant_list", {}, NotAuthorized)
    refused(county, "bureau", "grant_show", {"id": "no-such"}, NotFound)
    assert list(invalid(county, "bureau", "grant_usage_list", {})) == ["id"]
    refused(county, "anonymous", "grant_usage_list", {}, NotAuthorized)
