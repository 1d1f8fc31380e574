"""Two departments, one user per role, two residents and a clock: `today` of
portal.actions.requests, moved by the tests (deadlines are read against it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from portal.actions import requests as requests_module
from portal.actions.registry import Caller
from portal.services import SYSTEM, Portal
from tests.api.helpers import make_user
from tests.conftest import org_params

ROLES = {"bureau": {}, "edu-member": {"edu": "member"}, "edu-editor": {"edu": "editor"},
         "edu-admin": {"edu": "admin"}, "health-editor": {"health": "editor"},
         "health-admin": {"health": "admin"}, "resident": {}, "neighbour": {}}


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = date(2026, 9, 30)
        monkeypatch.setattr(requests_module, "today", lambda: self.now)

    def set(self, day: str) -> None:
        self.now = date.fromisoformat(day)


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
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def county(portal: Portal, clock: Clock) -> County:
    for org in ("edu", "health"):
        portal.call("organization_create", org_params(org), user=SYSTEM)
    county = County(portal, {"anonymous": None})
    for name, roles in ROLES.items():
        county.users[name] = make_user(portal, name, sysadmin=name == "bureau",
                                       roles=roles)[0]
    return county
