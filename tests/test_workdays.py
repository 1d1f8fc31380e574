"""Deadlines in Chinese working days: across National Day 2026 from the package's data,
and across New Year 2027 — a year chinese-calendar 1.11 does not know — with and
without the bureau's entries in holidays.toml."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.workdays import CalendarError, WorkCalendar

# As the State Council might publish it: 1 January a Friday, rest until Sunday 3 January,
# and a Saturday worked in exchange for a bridge day.
HOLIDAYS_2027 = """
[years.2027]
holidays = ["2027-01-01..2027-01-03", "2027-02-05..2027-02-13"]
workdays = ["2027-02-14", "2027-02-20"]
"""


def calendar(tmp_path: Path, text: str | None = None) -> WorkCalendar:
    path = tmp_path / "holidays.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return WorkCalendar(path)


def test_national_day_2026_from_the_package(tmp_path: Path) -> None:
    cal = calendar(tmp_path)
    # 1-7 October off, Saturday 10 October worked (调休).
    assert cal.add(date(2026, 9, 30), 7) == date(2026, 10, 15)
    assert not cal.is_workday(date(2026, 10, 5))
    assert cal.is_workday(date(2026, 10, 10))
    assert cal.add(date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_new_year_2027_without_data_counts_weekends_and_fixed_holidays_and_warns(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cal = calendar(tmp_path)
    with caplog.at_level(logging.WARNING, logger="portal.workdays"):
        # 28-31 Dec, then 1 Jan (fixed holiday), weekend 2-3 Jan, then 4, 5, 6 Jan.
        assert cal.add(date(2026, 12, 25), 7) == date(2027, 1, 6)
        assert cal.add(date(2026, 12, 25), 8) == date(2027, 1, 7)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "no holiday data for 2027" in warnings[0]
    assert not cal.knows(2027) and cal.knows(2026)
    # Lunar holidays are unknown without data: a weekday of Spring Festival 2027 counts.
    assert cal.is_workday(date(2027, 2, 8))


def test_new_year_2027_with_the_bureaus_entries(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    cal = calendar(tmp_path, HOLIDAYS_2027)
    with caplog.at_level(logging.WARNING, logger="portal.workdays"):
        assert cal.add(date(2026, 12, 25), 7) == date(2027, 1, 6)
        # Spring Festival: 5-13 February off, Sunday 14 worked.
        assert cal.add(date(2027, 2, 4), 1) == date(2027, 2, 14)
        assert cal.add(date(2027, 2, 4), 2) == date(2027, 2, 15)
        assert cal.is_workday(date(2027, 2, 20))  # a Saturday made a working day
        assert not cal.is_workday(date(2027, 2, 21))  # an ordinary Sunday
    assert caplog.records == []
    assert cal.knows(2027)


def test_the_file_overrides_the_package_for_a_year_it_knows(tmp_path: Path) -> None:
    cal = calendar(tmp_path, '[years.2026]\nholidays = ["2026-10-15"]\n')
    assert cal.add(date(2026, 9, 30), 7) == date(2026, 10, 16)
    assert not cal.is_workday(date(2026, 10, 6))  # the package still says National Day


def test_between_counts_working_days_either_way(tmp_path: Path) -> None:
    cal = calendar(tmp_path)
    assert cal.between(date(2026, 9, 30), date(2026, 10, 15)) == 7
    assert cal.between(date(2026, 10, 15), date(2026, 9, 30)) == -7
    assert cal.between(date(2026, 10, 1), date(2026, 10, 1)) == 0


@pytest.mark.parametrize(("text", "message"), [
    ("[years.2027]\nholidays = [\"2027-02-30\"]\n", "is not a date"),
    ("[years.2027]\nholidays = [\"2026-12-31\"]\n", "is not in 2027"),
    ("[years.2027]\nholidays = [\"2027-01-04\"]\nworkdays = [\"2027-01-04\"]\n",
     "both a holiday and a workday"),
    ("[years.2027]\nholiday = [\"2027-01-04\"]\n", "unknown key(s) holiday"),
    ("[years.2027]\nholidays = [\"2027-03-01..2027-01-01\"]\n", "not a range"),
    ("[years.2027\n", "holidays.toml"),
])
def test_a_bad_holidays_file_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CalendarError, match="holidays.toml") as caught:
        calendar(tmp_path, text)
    assert message in str(caught.value)


def test_working_days_must_be_sensible(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 0 and"):
        calendar(tmp_path).add(date(2026, 1, 5), -1)


def test_cli_prints_the_due_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["workdays", "add", "2026-09-30", "7"])
    assert done.exit_code == 0 and done.output.strip() == "2026-10-15"
    path = tmp_path / "holidays.toml"
    path.write_text(HOLIDAYS_2027, encoding="utf-8")
    monkeypatch.setenv("SHUYUAN_CALENDAR_HOLIDAYS_FILE", str(path))
    done = runner.invoke(main, ["workdays", "add", "2027-02-04", "1"])
    assert done.exit_code == 0 and done.output.strip() == "2027-02-14"


@pytest.mark.parametrize("args", [["2026-13-01", "3"], ["2026-09-30", "-2"]])
def test_cli_refuses_bad_input_in_one_line(args: list[str]) -> None:
    done = CliRunner().invoke(main, ["workdays", "add", *args])
    assert done.exit_code in (1, 2)  # a one-line error or a usage error, not a crash
    assert isinstance(done.exception, SystemExit)
    assert "Error" in done.output and "Traceback" not in done.output
