"""A county with two departments, the bureau, a citizen, and one demo catalog entry that
holds personal information (names, resident ID numbers, mobile numbers)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import SYSTEM, Caller
from portal.demo.catalog import DatasetPlan, build_plan
from portal.demo.loader import resources_for
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params

ROLES = {"bureau": {}, "edu-editor": {"edu": "editor"}, "edu-member": {"edu": "member"},
         "health-editor": {"health": "editor"}, "citizen": {}}


def personal_plan() -> tuple[DatasetPlan, bytes, str]:
    """The first demo entry with personal information (泗县学生资助发放名单: pupils' and
    guardians' names, resident ID numbers, mobile numbers) and its file: (plan, bytes, name)."""
    for plan in build_plan():
        for res in plan.resources:
            if plan.personal and res.is_upload:
                return plan, res.content(res.table()), res.filename
    raise AssertionError("the demo county has no personal-information file")


@dataclass
class County:
    portal: Portal
    users: dict[str, Caller | None] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, who: str, name: str, params: dict[str, Any]) -> Any:
        out = self.portal.call(name, params, user=self.users[who])
        if name == "publication_submit" and getattr(self.portal, "settle_gate", True):
            # The call returned before the gate ran (portal/gate.py); the jobs have run
            # since (tests/support/gate.py): the review as it stands now.
            out = self.portal.call("publication_review_show", {"id": out["id"]}, user=SYSTEM)
        return out

    def entry(self, *, raw: bytes | None = None, filename: str = "", who: str = "edu-editor",
              **extra: Any) -> dict[str, Any]:
        """The demo entry as a department's draft, asked to be opened unconditionally."""
        plan, demo_raw, demo_name = personal_plan()
        raw, filename = raw or demo_raw, filename or demo_name
        resources, first = resources_for(plan)
        params = plan.package_params(first)
        params.update({"owner_org": "edu", "publication_state": "draft",
                       "open_type": "unconditional", "share_type": "conditional",
                       "grading": "general", "open_condition": "", "license_id": "cc-by",
                       "groups": [],
                       **extra})
        params["resources"] = [{"name": "名册", "upload": Upload(filename, io.BytesIO(raw))}]
        return self.call(who, "package_create", params)


@pytest.fixture
def county(portal: Portal) -> County:
    for org in ("edu", "health"):
        portal.call("organization_create", org_params(org), user=SYSTEM)
    county = County(portal, {"anonymous": None})
    for name, roles in ROLES.items():
        caller, token = make_user(portal, name, sysadmin=name == "bureau", roles=roles)
        county.users[name], county.tokens[name] = caller, token
    return county


