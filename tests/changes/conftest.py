"""Two departments, one user per role, and the portal's clock (tests/support/clock.py),
set by the tests (deadlines are read against it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from portal.services import Portal
from tests.support import county as support
from tests.support.clock import CountyClock

ROLES = {"bureau": {}, "bureau-2": {}, "edu-member": {"edu": "member"},
         "edu-editor": {"edu": "editor"}, "edu-admin": {"edu": "admin"},
         "health-editor": {"health": "editor"}, "health-admin": {"health": "admin"},
         "nobody": {}}


@dataclass
class County(support.County):
    def change(self, who: str = "edu-editor", **params: Any) -> dict[str, Any]:
        return self.call(who, "catalog_change_create", {
            "organization": "edu", "kind": "duty", "description": "机构改革，职能划转",
            "basis": "县委办〔2026〕12号", "changed_on": "2026-09-30", **params})


@pytest.fixture
def county(portal: Portal, clock: CountyClock) -> County:
    county = support.populate(County, portal, dict.fromkeys(("edu", "health")), ROLES,
                              {"bureau", "bureau-2"})
    return county
