"""Two departments, one user per role, two residents and the portal's clock
(tests/support/clock.py), set by the tests (deadlines are read against it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.core.context import SYSTEM, Caller
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params
from tests.support.clock import CountyClock

ROLES = {"bureau": {}, "edu-member": {"edu": "member"}, "edu-editor": {"edu": "editor"},
         "edu-admin": {"edu": "admin"}, "health-editor": {"health": "editor"},
         "health-admin": {"health": "admin"}, "resident": {}, "neighbour": {}}


@dataclass
class County:
    portal: Portal
    users: dict[str, Caller | None] = field(default_factory=dict)

    def call(self, who: str, name: str, params: dict[str, Any]) -> Any:
        return self.portal.call(name, params, user=self.users[who])

    def request(self, who: str = "resident", **params: Any) -> dict[str, Any]:
        return self.call(who, "data_request_create", {
            "title": "全县中小学学位数", "description": "希望公开各中小学每年的招生学位数。",
            "purpose": "择校参考", **params})

    def routed(self, org: str = "edu", **params: Any) -> dict[str, Any]:
        made = self.request(**params)
        return self.call("bureau", "data_request_route", {"id": made["id"],
                                                         "organization": org})


@pytest.fixture
def county(portal: Portal, clock: CountyClock) -> County:
    for org in ("edu", "health"):
        portal.call("organization_create", org_params(org), user=SYSTEM)
    county = County(portal, {"anonymous": None})
    for name, roles in ROLES.items():
        county.users[name] = make_user(portal, name, sysadmin=name == "bureau",
                                       roles=roles)[0]
    return county
