"""Chinese working days (工作日), for deadlines counted the way the regulation counts them.

Where a date's status comes from, first match wins:

1. the bureau's file (config/holidays.toml, setting `calendar.holidays_file`):
   holidays and adjusted working days (调休) it lists, for any year — the way to
   add a year `chinese-calendar` does not know yet, or to correct one;
2. `chinese-calendar`, for the years it has data for (it raises
   NotImplementedError past them: 2027 for version 1.11);
3. a year listed in the file is complete: a date it does not name is a working
   day from Monday to Friday;
4. otherwise, weekends plus the statutory holidays that fall on fixed dates
   (New Year, Labour Day, National Day), with a warning logged once per year:
   the lunar holidays and their adjusted days are missing until the bureau adds
   the year to the file. A deadline is never refused for want of data.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Holidays on fixed dates (国务院《全国年节及纪念日放假办法》, as amended in 2024):
# New Year's Day, Labour Day (1-2 May), National Day (1-3 October).
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
# Counting more working days than this is a mistake, not a deadline.
MAX_WORKING_DAYS = 3660


class CalendarError(ValueError):
    """A holidays file that cannot be used; the message names the file and the entry."""


@dataclass
class YearEntries:
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)


def _days(value: Any, where: str) -> set[date]:
    """Dates from "2027-01-01" or a range "2027-02-06..2027-02-12"."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CalendarError(f"{where}: must be a list of dates (YYYY-MM-DD or A..B)")
    out: set[date] = set()
    for item in value:
        first, _, last = item.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise CalendarError(f"{where}: {item!r} is not a date (YYYY-MM-DD or A..B)") from None
        if end < start or (end - start).days > 60:
            raise CalendarError(f"{where}: {item!r} is not a range of up to 60 days")
        out.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return out


def read_holidays(path: Path | None) -> dict[int, YearEntries]:
    """The bureau's file: `[years.2027]` with `holidays` and `workdays` lists."""
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CalendarError(f"{path}: {exc}") from None
    unknown = set(data) - {"years"}
    if unknown:
        raise CalendarError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} (expected [years.YYYY])")
    years: dict[int, YearEntries] = {}
    for key, entry in (data.get("years") or {}).items():
        where = f"{path}: years.{key}"
        if not str(key).isdigit() or not isinstance(entry, dict):
            raise CalendarError(f"{where}: expected [years.YYYY] with holidays and workdays")
        extra = set(entry) - {"holidays", "workdays"}
        if extra:
            raise CalendarError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        year = int(key)
        holidays = _days(entry.get("holidays", []), f"{where}.holidays")
        workdays = _days(entry.get("workdays", []), f"{where}.workdays")
        stray = sorted(d for d in holidays | workdays if d.year != year)
        if stray:
            raise CalendarError(f"{where}: {stray[0].isoformat()} is not in {year}")
        both = sorted(holidays & workdays)
        if both:
            raise CalendarError(f"{where}: {both[0].isoformat()} is both a holiday and a workday")
        years[year] = YearEntries(holidays, workdays)
    return years


class WorkCalendar:
    """Working days from the bureau's file and chinese-calendar (see the module doc)."""

    def __init__(self, holidays_file: Path | None = None) -> None:
        self.source = holidays_file
        self.years = read_holidays(holidays_file)
        self._warned: set[int] = set()

    def is_workday(self, day: date) -> bool:
        entries = self.years.get(day.year)
        if entries is not None:
            if day in entries.holidays:
                return False
            if day in entries.workdays:
                return True
        known = self._package(day)
        if known is not None:
            return known
        if entries is None and day.year not in self._warned:
            self._warned.add(day.year)
            log.warning("no holiday data for %s: counting weekends and fixed-date holidays "
                        "only; add the year to %s", day.year, self.source or "the holidays file")
        return day.weekday() < 5 and (entries is not None
                                      or (day.month, day.day) not in FIXED_HOLIDAYS)

    @staticmethod
    def _package(day: date) -> bool | None:
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return None

    def knows(self, year: int) -> bool:
        """Whether the year's holidays come from data (the file or the package)."""
        return year in self.years or self._package(date(year, 6, 1)) is not None

    def add(self, start: date, working_days: int) -> date:
        """The date `working_days` working days after `start` (start itself not counted):
        a request on 2026-09-30 with 7 working days is due on 2026-10-15."""
        if not 0 <= working_days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
        day, left = start, working_days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end is
        earlier): how far a deadline is, or how late."""
        sign, (low, high) = (1, (start, end)) if end >= start else (-1, (end, start))
        count = sum(1 for i in range(1, (high - low).days + 1)
                    if self.is_workday(low + timedelta(days=i)))
        return sign * count


def calendar_from(settings: Any) -> WorkCalendar:
    """The calendar the settings name (`calendar.holidays_file`)."""
    from portal.settings import config_path

    return WorkCalendar(config_path(str(settings.get("calendar", "holidays_file", ""))))
