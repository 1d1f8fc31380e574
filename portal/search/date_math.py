"""The ends of a date range in q or fq: `*`, an ISO date, or Solr's date math on NOW.

    NOW   NOW-7DAYS   NOW+1YEAR   NOW/DAY   NOW-1MONTH/DAY   2024-01-01T00:00:00Z

An offset is bounded (at most MAX_OFFSET_YEARS years, in any unit) when the query is
read, so evaluating it can never leave the calendar: `NOW-99999999999DAYS` used to
overflow datetime and answer 500; it is now a Search Query Error naming q or fq.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

NOW_RE = re.compile(r"NOW(?:([+-])(\d{1,12})(SECOND|MINUTE|HOUR|DAY|MONTH|YEAR)S?)?(?:/(DAY|HOUR))?")
MAX_OFFSET_YEARS = 1000
# The largest offset in each unit that stays within MAX_OFFSET_YEARS (366-day years).
_UNIT_LIMITS = {
    "YEAR": MAX_OFFSET_YEARS,
    "MONTH": MAX_OFFSET_YEARS * 12,
    "DAY": MAX_OFFSET_YEARS * 366,
    "HOUR": MAX_OFFSET_YEARS * 366 * 24,
    "MINUTE": MAX_OFFSET_YEARS * 366 * 24 * 60,
    "SECOND": MAX_OFFSET_YEARS * 366 * 24 * 3600,
}
FORMS = "2024-01-01T00:00:00Z, NOW, NOW-7DAYS, NOW/DAY or *"


class DateMathError(ValueError):
    """A range end that is not a date, or date math beyond MAX_OFFSET_YEARS."""


def check(raw: str) -> None:
    """Refuse a range end that cannot be evaluated; accept `*`, NOW math and ISO dates."""
    if raw == "*":
        return
    m = NOW_RE.fullmatch(raw)
    if m is not None:
        _, amount, unit, _ = m.groups()
        if amount and int(amount) > _UNIT_LIMITS[unit]:
            raise DateMathError(f"{raw!r} reaches further than {MAX_OFFSET_YEARS} years "
                                "from now")
        return
    if len(raw) > 40:  # an ISO timestamp is at most 32 characters
        raise DateMathError(f"{raw[:40]!r}... is not a date ({FORMS})")
    try:
        datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DateMathError(f"{raw!r} is not a date ({FORMS})") from None


def resolve(raw: str, now: datetime | None = None) -> datetime | None:
    """The moment `raw` names (None for `*`); naive datetimes are UTC. Raises
    DateMathError for anything `check` refuses or a clock so odd the offset leaves
    the calendar."""
    check(raw)
    if raw == "*":
        return None
    m = NOW_RE.fullmatch(raw)
    if m is None:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    moment = now or datetime.now(UTC)
    sign, amount, unit, rounding = m.groups()
    try:
        if amount:
            n = int(amount) * (-1 if sign == "-" else 1)
            if unit in ("MONTH", "YEAR"):
                months = moment.year * 12 + moment.month - 1 + n * (12 if unit == "YEAR" else 1)
                moment = moment.replace(year=months // 12, month=months % 12 + 1,
                                        day=min(moment.day, 28))
            else:
                moment += timedelta(**{unit.lower() + "s": n})
    except (OverflowError, ValueError):
        raise DateMathError(f"{raw!r} is outside the calendar (years 1 to 9999)") from None
    if rounding == "DAY":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif rounding == "HOUR":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    return moment
