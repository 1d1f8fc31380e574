"""Column types inferred over the whole file, and cell conversion.

    inferrer = TypeInferrer(len(table.info.columns))
    for row in table.rows():
        inferrer.feed(row)
    types = inferrer.result()          # ["integer", "text", "date", ...]
    value = convert("2024-03-05", "date")

This is the reference behaviour: a loader that infers in SQL must give the same
answer. The rules, exactly (a "value" is a non-empty cell; None and "" are
ignored; matching is on the whole value, with no surrounding whitespace):

integer   -?(0|[1-9][0-9]*) with at most 15 digits.
          Leading zeros ("007") make text: codes keep their zeros.
          More than 15 digits make text: 18-digit identity numbers, bank cards
          and anything Excel could not hold exactly are not numbers (this also
          keeps every integer far inside 64 bits).
          A column whose values are ALL mobile numbers (1[3-9] and 9 more
          digits, 11 in all) is text: phone numbers are not quantities.
number    -?(0|[1-9][0-9]*)(\\.[0-9]+)? with at most 15 digits in all (integer
          and fraction part together), so a 64-bit float holds each exactly.
          No exponent ("1e5" is text: product codes look like that and Excel
          writes mangled identity numbers as 1.10101E+17), no thousands
          separators, no "+", no ".5" or "5.".
date      YYYY-M-D, YYYY/M/D or YYYY年M月D日, month and day with one or two
          digits, the year 1000-9999; it must exist (2023-02-29 is text).
datetime  a date in the first two forms, then "T" or one space, then H:MM,
          H:MM:SS or H:MM:SS.ffffff (hour 0-23 with one or two digits, minutes
          and seconds 00-59, 1-6 fraction digits); no time zone. Plain dates
          in any of the three forms may be mixed in (they are midnight).
text      everything else, and a column with no values at all.

A column takes the narrowest type all its values fit: integer < number,
date < datetime; any other mix (numbers with dates, or a single value that fits
nothing) makes text. A value containing a line break is text.

Speed: rows are buffered and checked a batch at a time. Per column, the
batch's values are joined with "\\n" and one regular expression checks them all
(so the per-cell work is done in C); a column whose values repeat (dates,
codes, towns) has only its distinct values checked; a column that has become
text is not looked at again. About 1 microsecond a row for ten columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from itertools import islice
from operator import itemgetter
from typing import Any

TYPES = ("integer", "number", "date", "datetime", "text")

_Y = r"[1-9][0-9]{3}"


def _month_day(sep: str) -> str:
    """Month, separator, day: only days the month can have (Feb 29 is checked by year)."""
    return (rf"(?:(?:0?[13578]|1[02]){sep}(?:0?[1-9]|[12][0-9]|3[01])"
            rf"|(?:0?[469]|11){sep}(?:0?[1-9]|[12][0-9]|30)"
            rf"|0?2{sep}(?:0?[1-9]|1[0-9]|2[0-9]))")


_DATE = rf"{_Y}(?:-{_month_day('-')}|/{_month_day('/')}|年{_month_day('月')}日)"
_TIME = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
# A datetime, or a plain date (midnight) in the - or / form, or a 年月日 date.
_DATETIME = (rf"{_Y}(?:-{_month_day('-')}|/{_month_day('/')})(?:[T ]{_TIME})?"
             rf"|{_Y}年{_month_day('月')}日")

_INT = r"-?(?:0|[1-9][0-9]{0,14})"
_NUM = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"
_MOBILE = r"1[3-9][0-9]{9}"

# Each checks a whole batch: values joined by "\n", with a final "\n".
_BATCH = {
    "integer": re.compile(rf"(?:{_INT}\n)*+"),
    "number": re.compile(rf"(?:{_NUM}\n)*+"),
    "date": re.compile(rf"(?:{_DATE}\n)*+"),
    "datetime": re.compile(rf"(?:(?:{_DATETIME})\n)*+"),
}
_MOBILES = re.compile(rf"(?:{_MOBILE}\n)*+")
_SIXTEEN_DIGITS = re.compile(r"(?:[0-9]\.?){16}")

# Widening order: the types to try when the column's current type fails.
_NEXT: dict[str | None, tuple[str, ...]] = {
    None: ("integer", "number", "date", "datetime"),
    "integer": ("integer", "number"),
    "number": ("number",),
    "date": ("date", "datetime"),
    "datetime": ("datetime",),
}

BATCH_ROWS = 4096


def _fits(kind: str, joined: str, values: list[str]) -> bool:
    if not _BATCH[kind].fullmatch(joined):
        return False
    if kind == "number" and max(map(len, values)) > 15:  # else at most 15 digits anyway
        return not _SIXTEEN_DIGITS.search(joined)
    if kind in ("date", "datetime"):
        return _february_29_valid(joined)
    return True


def _february_29_valid(joined: str) -> bool:
    """Every February 29th in the (already matched) values falls in a leap year."""
    for marker in ("2-29", "2/29", "2月29"):
        at = joined.find(marker)
        while at != -1:
            before = joined[at - 1] if at else "\n"
            if before == "0":
                before = joined[at - 2]
            if before in "-/年":  # February, not December ("12-29")
                start = joined.rfind("\n", 0, at) + 1
                year = int(joined[start:start + 4])
                if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
                    return False
            at = joined.find(marker, at + 1)
    return True


class TypeInferrer:
    """Feed every row; `result()` gives one of TYPES per column."""

    def __init__(self, ncols: int, batch_rows: int = BATCH_ROWS) -> None:
        self.ncols = ncols
        self.batch_rows = batch_rows
        self._types: list[str | None] = [None] * ncols  # None: no value seen yet
        self._mobile = [True] * ncols  # every integer so far is a mobile number
        self._batch: list[list[str | None]] = []
        self._open = list(range(ncols))  # columns not yet text
        self._dedupe = [True] * ncols  # check the distinct values only

    def feed(self, row: list[str | None]) -> None:
        self._batch.append(row)
        if len(self._batch) >= self.batch_rows:
            self._flush()

    def feed_many(self, rows: Iterable[list[str | None]]) -> None:
        """Feed a batch at once (a loader's insert batch, say): cheaper than feed()."""
        rows = iter(rows)
        while chunk := list(islice(rows, self.batch_rows - len(self._batch))):
            self._batch.extend(chunk)
            if len(self._batch) >= self.batch_rows:
                self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or not self._open:
            return
        still_open = []
        for i in self._open:
            values = list(filter(None, map(itemgetter(i), batch)))
            if values and not self._check(i, values):
                self._types[i] = "text"
            else:
                still_open.append(i)
        self._open = still_open

    def _check(self, i: int, values: list[str]) -> bool:
        if self._dedupe[i]:
            unique = set(values)
            # Dates and codes repeat, amounts and timestamps do not: stop deduplicating
            # a column whose values are mostly distinct.
            self._dedupe[i] = len(unique) * 2 < len(values)
            values = list(unique)
        joined = "\n".join(values) + "\n"
        if joined.count("\n") != len(values):
            return False  # a value with a line break
        for kind in _NEXT[self._types[i]]:
            if _fits(kind, joined, values):
                self._types[i] = kind
                if kind == "integer" and self._mobile[i]:
                    self._mobile[i] = _MOBILES.fullmatch(joined) is not None
                return True
        return False

    def result(self) -> list[str]:
        """The type of each column given every row fed so far."""
        self._flush()
        out = []
        for kind, mobile in zip(self._types, self._mobile, strict=True):
            if kind is None or (kind == "integer" and mobile):
                kind = "text"
            out.append(kind)
        return out


def infer_types(rows: Iterable[list[str | None]], ncols: int) -> list[str]:
    inferrer = TypeInferrer(ncols)
    inferrer.feed_many(rows)
    return inferrer.result()


_DATE_PARTS = re.compile(r"([0-9]{4})[-/年]([0-9]{1,2})[-/月]([0-9]{1,2})日?")
_DATETIME_PARTS = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[T ]([0-9]{1,2})"
                             r":([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?")


def to_date(value: str) -> date:
    y, m, d = _DATE_PARTS.fullmatch(value).groups()  # type: ignore[union-attr]
    return date(int(y), int(m), int(d))


def to_datetime(value: str) -> datetime:
    match = _DATETIME_PARTS.fullmatch(value)
    if match is None:  # a 年月日 date in a datetime column
        return datetime.combine(to_date(value), datetime.min.time())
    y, mo, d, h, mi, s, frac = match.groups()
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                    int((frac or "0").ljust(6, "0")))


CONVERTERS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": float,
    "date": to_date,
    "datetime": to_datetime,
    "text": str,
}


def converter(kind: str) -> Callable[[str], Any]:
    """The function turning a non-empty cell of a column of this type into a value."""
    return CONVERTERS[kind]


def convert(value: str | None, kind: str) -> Any:
    """A cell as int, float, date, datetime or str; None stays None ("" too).

    Raises ValueError when the value does not fit the type (a caller that
    inferred the type over the whole file never sees that)."""
    if not value:
        return None
    try:
        return CONVERTERS[kind](value)
    except (AttributeError, TypeError):
        raise ValueError(f"{value!r} is not a {kind}") from None
