"""Art. 19 deadlines in Chinese working days, and the overdue flags as "today" moves.

National Day 2026 comes from chinese-calendar (1-7 October off, Saturday 10 October
worked); New Year 2027 is a year it does not know, so the calendar counts weekends
and the fixed-date holidays (1 January) only.
"""

from __future__ import annotations

from tests.changes.conftest import County
from tests.support.clock import CountyClock


def test_deadlines_across_national_day_2026(county: County, clock: CountyClock) -> None:
    made = county.change(changed_on="2026-09-30")
    # 8, 9, 10 (调休), 12-16, 19, 20 October: ten working days.
    assert (made["update_due"], made["report_due"]) == ("2026-10-20", "2026-10-23")
    assert made["state"] == "open" and made["update_days_left"] == 10

    clock.set("2026-10-15")
    updated = county.call("edu-editor", "catalog_change_update", {"id": made["id"]})
    assert updated["updated_on"] == "2026-10-15"
    # 16, 19, 20 October: three working days after the update.
    assert updated["report_due"] == "2026-10-20"
    assert (updated["state"], updated["updated_late"], updated["update_overdue"]) == \
        ("updated", False, False)
    assert (updated["update_days_left"], updated["report_days_left"]) == (None, 3)


def test_deadlines_across_new_year_2027(county: County, clock: CountyClock) -> None:
    clock.set("2026-12-31")
    made = county.change(changed_on="2026-12-24")
    # 25, 28-31 December, 1 January off, 4-8 January.
    assert made["update_due"] == "2027-01-08"
    assert made["update_days_left"] == 5  # 4-8 January: New Year's Day does not count

    clock.set("2027-01-08")
    updated = county.call("edu-admin", "catalog_change_update", {"id": made["id"]})
    assert updated["report_due"] == "2027-01-13"  # 11, 12, 13 January
    reported = county.call("edu-admin", "catalog_change_report",
                           {"id": made["id"], "catalog": "教育局政务数据资源目录（2027年1月版）"})
    assert reported["reported_on"] == "2027-01-08"
    assert (reported["state"], reported["reported_late"], reported["overdue"]) == \
        ("reported", False, False)


def test_overdue_flags_follow_today(county: County, clock: CountyClock) -> None:
    made = county.change(changed_on="2026-09-30")
    ids = {made["id"]}

    def overdue() -> set[str]:
        return {c["id"] for c in county.call("bureau", "catalog_change_list", {"overdue": True})}

    clock.set("2026-10-20")  # the last day: due, not late
    shown = county.call("edu-member", "catalog_change_show", {"id": made["id"]})
    assert (shown["update_overdue"], shown["update_days_left"], overdue()) == (False, 0, set())

    clock.set("2026-10-21")
    shown = county.call("edu-member", "catalog_change_show", {"id": made["id"]})
    assert (shown["update_overdue"], shown["report_overdue"], shown["update_days_left"]) == \
        (True, False, -1)
    assert overdue() == ids

    clock.set("2026-10-26")  # Monday: the provisional report deadline (23rd) has gone too
    shown = county.call("edu-member", "catalog_change_show", {"id": made["id"]})
    assert (shown["update_overdue"], shown["report_overdue"]) == (True, True)
    assert (shown["update_days_left"], shown["report_days_left"]) == (-4, -1)


def test_a_deadline_met_late_stays_flagged_late(county: County, clock: CountyClock) -> None:
    made = county.change(changed_on="2026-09-30")
    clock.set("2026-10-22")
    updated = county.call("edu-editor", "catalog_change_update", {"id": made["id"]})
    assert (updated["updated_late"], updated["update_overdue"]) == (True, False)
    assert updated["report_due"] == "2026-10-27"  # 23, 26, 27 October

    clock.set("2026-10-28")
    assert county.call("edu-editor", "catalog_change_show", {"id": made["id"]})[
        "report_overdue"] is True
    reported = county.call("edu-editor", "catalog_change_report",
                           {"id": made["id"], "catalog": "更新后的目录", "basis": "县委办〔2026〕12号"})
    assert (reported["reported_late"], reported["report_overdue"]) == (True, False)

    clock.set("2026-12-01")
    acked = county.call("bureau", "catalog_change_acknowledge", {"id": made["id"]})
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "bureau")
    assert (acked["updated_late"], acked["reported_late"], acked["overdue"]) == (True, True, False)
    assert (acked["update_days_left"], acked["report_days_left"]) == (None, None)
    assert county.call("bureau", "catalog_change_list", {"overdue": True}) == []


def test_a_past_update_date_counts_from_that_date(county: County, clock: CountyClock) -> None:
    """The department may record the update a few days after doing it."""
    made = county.change(changed_on="2026-09-30")
    clock.set("2026-10-26")
    updated = county.call("edu-editor", "catalog_change_update",
                          {"id": made["id"], "updated_on": "2026-10-19"})
    assert (updated["updated_late"], updated["report_due"]) == (False, "2026-10-22")
    assert updated["report_overdue"] is True and updated["report_days_left"] == -2


def test_list_filters(county: County, clock: CountyClock) -> None:
    late = county.change(changed_on="2026-09-01")
    fresh = county.change(changed_on="2026-09-30", kind="legal_basis")
    theirs = county.change("health-editor", organization="health")
    county.call("edu-editor", "catalog_change_update", {"id": fresh["id"]})

    def listed(who: str, **params: object) -> list[str]:
        return [c["id"] for c in county.call(who, "catalog_change_list", params)]

    assert listed("bureau") == [late["id"], fresh["id"], theirs["id"]]  # by update_due
    assert listed("bureau", organization="health") == [theirs["id"]]
    assert listed("bureau", state="updated") == [fresh["id"]]
    assert listed("bureau", overdue=True) == [late["id"]]
    assert listed("edu-member") == [late["id"], fresh["id"]]
    assert listed("health-admin", state="open") == [theirs["id"]]
