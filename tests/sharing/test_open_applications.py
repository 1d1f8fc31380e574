"""Open applications (Art. 27): a citizen or a company applies for conditionally open
data with a scenario and security measures; the bureau decides within 7 working days;
approval is an open grant for the applicant. Only the applicant and the bureau see an
application."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.models import Notification, User
from tests.sharing.conftest import LATER, County
from tests.support.clock import CountyClock


def told(county: County, kind: str) -> set[str]:
    with county.portal.session() as session:
        return set(session.scalars(select(User.name).join(
            Notification, Notification.user_id == User.id).where(Notification.kind == kind)))


def test_apply_and_approve(county: County, clock: CountyClock) -> None:
    made = county.apply()
    assert (made["status"], made["dataset"], made["applicant"], made["mine"]) == \
        ("pending", "enrolment", "resident", True)
    assert (made["applicant_type"], made["company_name"], made["filed_by"]) == \
        ("citizen", "", "resident")
    assert (made["due"], made["days_left"], made["overdue"]) == ("2026-10-15", 7, False)
    assert (made["scenario"], made["security_measures"]) == ("教育研究", "加密存储，专人管理")
    assert told(county, "open_application_created") == {"bureau"}

    clock.set("2026-10-09")
    approved = county.call("bureau", "open_application_approve", {
        "id": made["id"], "reason": "用途明确", "period_end": "2027-01-31"})
    assert (approved["status"], approved["decided_by"], approved["decided_late"]) == \
        ("approved", "bureau", False)
    assert (approved["mine"], approved["granted_until"]) == (False, "2027-01-31")
    grant = county.call("resident", "grant_show", {"id": approved["grant_id"]})
    assert (grant["kind"], grant["user"], grant["organization"], grant["mine"]) == \
        ("open", "resident", None, True)
    assert (grant["starts"], grant["ends"]) == ("2026-10-09", "2027-01-31")
    assert [d["name"] for d in grant["datasets"]] == ["enrolment"]
    assert told(county, "open_application_approved") == {"resident"}


def test_a_company_applies_with_its_name(county: County) -> None:
    made = county.apply(who="company", applicant_type="company", company_name="泗州数据科技有限公司")
    assert (made["applicant_type"], made["company_name"]) == ("company", "泗州数据科技有限公司")
    rejected = county.call("bureau", "open_application_reject", {"id": made["id"],
                                                                "reason": "安全措施不足"})
    assert (rejected["status"], rejected["reason"], rejected["grant_id"]) == \
        ("rejected", "安全措施不足", None)
    assert told(county, "open_application_rejected") == {"company"}


def test_the_bureau_files_a_paper_application_for_a_resident(county: County) -> None:
    made = county.apply(who="bureau", applicant="neighbour")
    assert (made["applicant"], made["filed_by"], made["mine"]) == ("neighbour", "bureau", False)
    assert county.call("neighbour", "open_application_show", {"id": made["id"]})["mine"] is True


def test_overdue_and_late(county: County, clock: CountyClock) -> None:
    made = county.apply()
    clock.set("2026-10-16")
    assert county.call("resident", "open_application_show", {"id": made["id"]})[
        "overdue"] is True
    assert [a["id"] for a in county.call("bureau", "open_application_list",
                                         {"overdue": True})] == [made["id"]]
    decided = county.call("bureau", "open_application_approve", {"id": made["id"]})
    assert (decided["overdue"], decided["decided_late"], decided["days_left"]) == \
        (False, True, None)
    assert decided["granted_until"] is None
    grant = county.call("bureau", "grant_show", {"id": decided["grant_id"]})
    assert grant["ends"] == LATER


def test_applicants_list_their_own(county: County) -> None:
    mine = county.apply()
    theirs = county.apply(who="neighbour")
    county.call("bureau", "open_application_reject", {"id": theirs["id"], "reason": "否"})

    def listed(who: str, **params: Any) -> set[str]:
        return {a["id"] for a in county.call(who, "open_application_list", params)}

    assert listed("resident") == {mine["id"]}
    assert listed("neighbour") == {theirs["id"]}
    assert listed("company") == listed("edu-admin") == set()
    assert listed("bureau") == {mine["id"], theirs["id"]}
    assert listed("bureau", mine=True) == set()
    assert listed("bureau", status="rejected") == {theirs["id"]}
    assert listed("bureau", dataset="enrolment", status="pending") == {mine["id"]}
