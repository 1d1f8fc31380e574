"""Range ends in q/fq: date math is bounded when read, so evaluating it never overflows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.core.errors import SearchQueryError
from portal.search import date_math
from portal.search.query import parse

NOW = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw, expected", [
    ("*", None),
    ("NOW", NOW),
    ("NOW-7DAYS", datetime(2026, 12, 1, 15, 30, tzinfo=UTC)),
    ("NOW/DAY", datetime(2026, 12, 8, tzinfo=UTC)),
    ("NOW-1MONTH/HOUR", datetime(2026, 11, 8, 15, tzinfo=UTC)),
    ("NOW-1000YEARS", datetime(1026, 12, 8, 15, 30, tzinfo=UTC)),
    ("NOW+1000YEARS", datetime(3026, 12, 8, 15, 30, tzinfo=UTC)),
    ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
])
def test_ends_within_bounds_resolve(raw: str, expected: datetime | None) -> None:
    assert date_math.resolve(raw, NOW) == expected


@pytest.mark.parametrize("raw", [
    "NOW-99999999999DAYS", "NOW+1001YEARS", "NOW-12001MONTHS", "NOW-366001DAYS",
    "NOW-9999999999HOURS", "NOW-999999999999SECONDS", "NOW-1234567890123DAYS",
    "NOW-7WEEKS", "yesterday", "2024-13-01", "NOW-" + "9" * 5000 + "DAYS", "x" * 100_000,
])
def test_ends_out_of_bounds_or_malformed_are_refused_when_read(raw: str) -> None:
    with pytest.raises(date_math.DateMathError):
        date_math.check(raw)
    with pytest.raises(date_math.DateMathError):
        date_math.resolve(raw, NOW)


def test_a_clock_near_the_calendar_edge_is_a_refusal_not_an_overflow() -> None:
    with pytest.raises(date_math.DateMathError, match="outside the calendar"):
        date_math.resolve("NOW+1000YEARS", datetime(9500, 1, 1, tzinfo=UTC))
    with pytest.raises(date_math.DateMathError, match="outside the calendar"):
        date_math.resolve("NOW-1000DAYS", datetime(1, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize("q, fq, named", [
    ("", "metadata_modified:[NOW-99999999999DAYS TO NOW]", "fq"),
    ("metadata_created:[NOW-99999999999DAYS TO *]", "", "q"),
])
def test_the_parser_names_the_parameter(q: str, fq: str, named: str) -> None:
    with pytest.raises(SearchQueryError, match=f" in {named}: "):
        parse(q, fq)
