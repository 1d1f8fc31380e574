"""Two departments, one user per role, and the portal's clock (tests/support/clock.py),
set by the tests (deadlines are read against it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.core.context import SYSTEM, Caller
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params
from tests.support.clock import CountyClock

ROLES = {"bureau": {}, "bureau-2": {}, "edu-member": {"edu": "member"},
         "edu-editor": {"edu": "editor"}, "edu-admin": {"edu": "admin"},
         "health-editor": {"health": "editor"}, "health-admin": {"health": "admin"},
         "nobody": {}}


@dataclass
class County:
    portal: Portal
    users: dict[str, Caller | None] = field(default_factory=dict)

    def call(self, who: str, name: str, params: dict[str, Any]) -> Any:
        return self.portal.call(name, params, user=self.users[who])

    def change(self, who: str = "edu-editor", **params: Any) -> dict[str, Any]:
        return self.call(who, "catalog_change_create", {
            "organization": "edu", "kind": "duty", "description": "机构改革，职能划转",
            "basis": "县委办〔2026〕12号", "changed_on": "2026-09-30", **params})


@pytest.fixture
def county(portal: Portal, clock: CountyClock) -> County:
    for org in ("edu", "health"):
        portal.call("organization_create", org_params(org), user=SYSTEM)
    county = County(portal, {"anonymous": None})
    for name, roles in ROLES.items():
        county.users[name] = make_user(portal, name, sysadmin=name.startswith("bureau"),
                                       roles=roles)[0]
    return county
