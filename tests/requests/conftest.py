"""Two departments, one user per role, two residents and the portal's clock
(tests/support/clock.py), set by the tests (deadlines are read against it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from portal.services import Portal
from tests.support import county as support
from tests.support.clock import CountyClock

ROLES = {"bureau": {}, "edu-member": {"edu": "member"}, "edu-editor": {"edu": "editor"},
         "edu-admin": {"edu": "admin"}, "health-editor": {"health": "editor"},
         "health-admin": {"health": "admin"}, "resident": {}, "neighbour": {}}


@dataclass
class County(support.County):
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
    county = support.populate(County, portal, dict.fromkeys(("edu", "health")), ROLES, {"bureau"})
    return county
