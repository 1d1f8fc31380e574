"""The tests' hold on the portal's clock: deadlines, grant periods and review ages
read `Portal.clock`, so a test sets the county's date there instead of sleeping or
patching modules."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services import Portal

START = date(2026, 9, 30)  # the day before National Day 2026: deadlines cross a holiday


class CountyClock:
    """Today in China for the whole portal, set by the tests."""

    def __init__(self, portal: Portal, start: date = START) -> None:
        self.portal = portal
        self.set(start.isoformat())

    @property
    def now(self) -> date:
        return self.portal.clock.today()

    def set(self, day: str) -> None:
        self.portal.clock.set(date.fromisoformat(day))


@pytest.fixture
def clock(portal: Portal) -> CountyClock:
    return CountyClock(portal)
