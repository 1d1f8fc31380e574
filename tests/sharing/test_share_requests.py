"""Share requests (Art. 25-27): unconditional data granted at once, conditional data
decided by the bureau within 7 working days, the county government's confirmation for
towns, zones and utilities, who sees which request, and who is told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.models import AuditEntry, Notification, User
from portal.workdays import WorkCalendar
from tests.sharing.conftest import LATER, County
from tests.support.clock import CountyClock


def told(county: County, kind: str) -> dict[str, str]:
    with county.portal.session() as session:
        rows = session.execute(select(User.name, Notification.subject, Notification.body)
                               .join(User, User.id == Notification.user_id)
                               .where(Notification.kind == kind))
        return {name: f"{subject}\n{body}" for name, subject, body in rows}


def audited(county: County, object_id: str) -> list[str]:
    with county.portal.session() as session:
        return list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_id == object_id).order_by(AuditEntry.seq)))


def test_unconditional_data_is_granted_at_once(county: County) -> None:
    # A public utility too: no confirmation where the bureau has nothing to decide.
    made = county.share(datasets=["clinics", "schools"], fields=[], materials=[],
                        org="water", who="water-editor")
    assert (made["status"], made["due"], made["days_left"], made["overdue"]) == \
        ("approved", None, None, False)
    assert made["grant_id"] and made["decided_by"] == "water-editor"
    assert [d["name"] for d in made["datasets"]] == ["clinics", "schools"]
    grant = county.call("health-member", "grant_show", {"id": made["grant_id"]})
    assert (grant["kind"], grant["organization"], grant["status"], grant["active"]) == \
        ("share", "water", "active", True)
    assert (grant["starts"], grant["ends"], grant["fields"]) == ("2026-09-30", LATER, [])
    assert grant["source_type"] == "share_request" and grant["source_id"] == made["id"]
    assert audited(county, made["id"]) == ["share_request_create"]
    assert set(told(county, "share_request_created")) == {"bureau"}


def test_conditional_data_waits_for_the_bureau(county: County, clock: CountyClock) -> None:
    made = county.share(datasets=["patients", "clinics"])
    assert (made["status"], made["needs_confirmation"], made["grant_id"]) == \
        ("pending", False, None)
    # 8, 9, 10 (调休), 12-15 October: seven working days after 30 September.
    assert (made["requested_on"], made["due"], made["days_left"]) == \
        ("2026-09-30", "2026-10-15", 7)
    assert made["fields"] == ["姓名", "诊断"]
    assert "请于2026-10-15前答复" in told(county, "share_request_created")["bureau"]

    clock.set("2026-10-12")
    approved = county.call("bureau", "share_request_approve", {
        "id": made["id"], "reason": "符合共享条件", "period_end": "2027-03-31"})
    assert (approved["status"], approved["decided_late"], approved["reason"]) == \
        ("approved", False, "符合共享条件")
    assert (approved["granted_until"], approved["period_end"]) == ("2027-03-31", LATER)
    assert (approved["days_left"], approved["overdue"]) == (None, False)
    grant = county.call("edu-member", "grant_show", {"id": approved["grant_id"]})
    assert (grant["starts"], grant["ends"], grant["fields"]) == \
        ("2026-10-12", "2027-03-31", ["姓名", "诊断"])
    assert {d["name"] for d in grant["datasets"]} == {"patients", "clinics"}
    assert audited(county, made["id"]) == ["share_request_create", "share_request_approve"]
    # The requesting unit's admins and the requester; not the bureau that decided.
    assert set(told(county, "share_request_approved")) == {"edu-admin", "edu-editor"}


def test_a_rejection_states_its_reason(county: County) -> None:
    made = county.share()
    rejected = county.call("bureau", "share_request_reject", {"id": made["id"],
                                                             "reason": "用途与共享条件不符"})
    assert (rejected["status"], rejected["reason"], rejected["grant_id"]) == \
        ("rejected", "用途与共享条件不符", None)
    assert "用途与共享条件不符" in told(county, "share_request_rejected")["edu-admin"]


def test_due_across_national_day_and_overdue_at_read_time(county: County,
                                                          clock: CountyClock) -> None:
    late = county.share()
    clock.set("2026-10-15")  # the last day: due, not late
    shown = county.call("edu-member", "share_request_show", {"id": late["id"]})
    assert (shown["overdue"], shown["days_left"]) == (False, 0)
    assert county.call("bureau", "share_request_list", {"overdue": True}) == []
    clock.set("2026-10-16")
    shown = county.call("edu-member", "share_request_show", {"id": late["id"]})
    assert (shown["overdue"], shown["days_left"]) == (True, -1)
    assert [r["id"] for r in county.call("bureau", "share_request_list",
                                         {"overdue": "true"})] == [late["id"]]
    decided = county.call("bureau", "share_request_approve", {"id": late["id"]})
    assert (decided["overdue"], decided["decided_late"]) == (False, True)
    assert county.call("bureau", "share_request_list", {"overdue": True}) == []
    clock.set("2026-12-01")
    assert county.call("edu-member", "share_request_show", {"id": late["id"]})[
        "decided_late"] is True


def test_due_across_new_year_2027_without_the_year_in_the_holidays_file(
        county: County, clock: CountyClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holidays = tmp_path / "holidays.toml"
    holidays.write_text("[years]\n", encoding="utf-8")
    monkeypatch.setattr(county.portal, "calendar", WorkCalendar(holidays))
    clock.set("2026-12-25")
    # 28-31 December, 1 January (fixed holiday), the weekend, then 4, 5, 6 January.
    assert county.share()["due"] == "2027-01-06"
    assert county.apply()["due"] == "2027-01-06"


def test_due_across_new_year_2027_with_the_bureau_s_2027_entries(
        county: County, clock: CountyClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holidays = tmp_path / "holidays.toml"
    holidays.write_text('[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-03"]\n',
                        encoding="utf-8")
    monkeypatch.setattr(county.portal, "calendar", WorkCalendar(holidays))
    clock.set("2026-12-25")
    # 28-31 December, then Sunday 3 January (an adjusted working day), 4 and 5 January.
    assert county.share()["due"] == "2027-01-05"
    assert county.apply()["due"] == "2027-01-05"


def test_a_town_needs_the_county_government_s_confirmation(county: County,
                                                           clock: CountyClock) -> None:
    made = county.share(who="town-editor", org="town")
    assert (made["status"], made["needs_confirmation"]) == ("pending", True)
    # The county government sees what it will confirm, from the start.
    assert [r["id"] for r in county.call("gov-member", "share_request_list", {})] == \
        [made["id"]]
    approved = county.call("bureau", "share_request_approve", {"id": made["id"]})
    assert (approved["status"], approved["grant_id"], approved["approved_by"]) == \
        ("awaiting_confirmation", None, "bureau")
    assert set(told(county, "share_request_awaiting_confirmation")) == {"gov-editor"}
    clock.set("2026-10-14")
    assert county.call("town-admin", "share_request_show", {"id": made["id"]})[
        "days_left"] == 1
    confirmed = county.call("gov-editor", "share_request_confirm", {"id": made["id"]})
    assert (confirmed["status"], confirmed["confirmed_by"], confirmed["decided_late"]) == \
        ("approved", "gov-editor", False)
    grant = county.call("town-editor", "grant_show", {"id": confirmed["grant_id"]})
    assert (grant["organization"], grant["starts"]) == ("town", "2026-10-14")
    assert audited(county, made["id"]) == ["share_request_create", "share_request_approve",
                                           "share_request_confirm"]


def test_the_county_government_may_refuse_what_the_bureau_approved(county: County) -> None:
    made = county.share(who="water-editor", org="water")
    county.call("bureau", "share_request_approve", {"id": made["id"]})
    rejected = county.call("gov-editor", "share_request_reject", {
        "id": made["id"], "reason": "不属于公共服务范围"})
    assert (rejected["status"], rejected["decided_by"], rejected["grant_id"]) == \
        ("rejected", "gov-editor", None)
    assert {"water-editor"} <= set(told(county, "share_request_rejected"))


def test_who_sees_which_request(county: County) -> None:
    edu = county.share()
    town = county.share(who="town-editor", org="town", datasets=["vaccinations"],
                        fields=[], materials=[])
    unconditional = county.share(who="water-editor", org="water", datasets=["schools"],
                                 fields=[], materials=[])

    def listed(who: str, **params: Any) -> set[str]:
        return {r["id"] for r in county.call(who, "share_request_list", params)}

    everything = {edu["id"], town["id"], unconditional["id"]}
    assert listed("bureau") == everything
    assert listed("edu-member") == {edu["id"], unconditional["id"]}  # theirs; their data
    assert listed("health-admin") == {edu["id"], town["id"]}  # requests for health's data
    assert listed("town-admin") == {town["id"]}
    assert listed("gov-member") == {town["id"]}  # what it confirms
    assert listed("bureau", organization="town") == {town["id"]}
    assert listed("bureau", dataset="schools") == {unconditional["id"]}
    assert listed("bureau", status="approved") == {unconditional["id"]}
    assert listed("health-admin", status="pending") == {edu["id"], town["id"]}


def test_list_is_newest_first_and_pages(county: County) -> None:
    made = [county.share()["id"] for _ in range(3)]
    first = county.call("edu-admin", "share_request_list", {"limit": 2})
    rest = county.call("edu-admin", "share_request_list", {"limit": 2, "offset": 2})
    assert [r["id"] for r in first + rest] == made[::-1]
