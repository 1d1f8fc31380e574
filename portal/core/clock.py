"""The portal's clock: deadlines, grant periods and review ages read the time here.

The Portal owns one Clock; tests replace its time with `set` instead of patching
module functions. Deadlines are days in China, whatever the server's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact


class Clock:
    """The current time; `set` fixes it (tests), `set(None)` lets it run again."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = fixed

    def set(self, moment: datetime | date | None) -> None:
        if isinstance(moment, date) and not isinstance(moment, datetime):
            # A county date: noon in China, so the UTC date is the same day.
            moment = datetime(moment.year, moment.month, moment.day, 12, tzinfo=CHINA)
        elif isinstance(moment, datetime) and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self._fixed = moment

    def now(self) -> datetime:
        """Now, as an aware UTC datetime."""
        return (self._fixed or datetime.now(UTC)).astimezone(UTC)

    def today(self) -> date:
        """The county's date now."""
        return self.now().astimezone(CHINA).date()
