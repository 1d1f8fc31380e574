"""Fresh share requests, open applications and grants for the tables that try every
action: tests/actions/test_permissions.py (OTHER_RULES, on its World) and
tests/audit/test_audit_chain.py (WRITES, on its Scene). Everything is made by SYSTEM,
so each helper returns the params for the call under test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.core.clock import Clock
from portal.core.context import SYSTEM
from portal.core.errors import NotFound
from portal.services import Portal
from tests.conftest import org_params, package_params

CONDITIONAL = {"share_type": "conditional", "share_condition": "限统计分析使用",
               "legal_basis": "《统计法》"}
OPEN_CONDITIONAL = {"open_type": "conditional", "open_condition": "实名申请，限研究使用"}


def later() -> str:
    """A period end the actions accept whatever the real date."""
    return (Clock().today() + timedelta(days=365)).isoformat()


def organization(portal: Portal, name: str, kind: str = "department") -> str:
    try:
        portal.call("organization_show", {"id": name}, user=SYSTEM)
    except NotFound:
        portal.call("organization_create", org_params(name, organization_type=kind),
                    user=SYSTEM)
    return name


def entry(portal: Portal, name: str, owner: str, **extra: Any) -> str:
    """A published entry, made once."""
    try:
        portal.call("package_show", {"id": name}, user=SYSTEM)
    except NotFound:
        portal.call("package_create", package_params(name, owner, **extra), user=SYSTEM)
    return name


def shared(portal: Portal, owner: str) -> str:
    """An unconditionally shared entry of `owner`'s, kept for grants: a grant changes how
    its holders read the entry (portal/access.py), so shared test entries stay untouched."""
    return entry(portal, f"{owner}-shared", owner)


def share_params(org: str, dataset: str) -> dict[str, Any]:
    return {"organization_id": org, "datasets": [dataset], "scenario": "统计分析",
            "period_end": later()}


def share_request(portal: Portal, org: str, owner: str, *steps: str,
                  org_type: str = "department") -> dict[str, Any]:
    """A pending request of `org` for a conditional entry of `owner`'s, taken through
    `steps`; params for the next decision."""
    organization(portal, org, org_type)
    dataset = entry(portal, f"{owner}-conditional", owner, **CONDITIONAL)
    made = portal.call("share_request_create", share_params(org, dataset), user=SYSTEM)
    for step in steps:
        portal.call(step, {"id": made["id"]}, user=SYSTEM)
    return {"id": made["id"], "reason": "不符合共享条件"}


def share_grant(portal: Portal, org: str, dataset: str) -> str:
    """A grant to `org` on an unconditionally shared entry (approved at once)."""
    return str(portal.call("share_request_create", share_params(org, dataset),
                           user=SYSTEM)["grant_id"])


def open_params(portal: Portal, owner: str, applicant: str | None = None) -> dict[str, Any]:
    dataset = entry(portal, f"{owner}-open-conditional", owner, **OPEN_CONDITIONAL)
    params = {"dataset": dataset, "scenario": "学术研究", "security_measures": "加密存储，专人管理",
              "period_end": later()}
    return {**params, "applicant": applicant} if applicant else params


def open_application(portal: Portal, owner: str, applicant: str, *steps: str) -> dict[str, Any]:
    """An application filed by the bureau for `applicant`, taken through `steps`."""
    made = portal.call("open_application_create", open_params(portal, owner, applicant),
                       user=SYSTEM)
    for step in steps:
        portal.call(step, {"id": made["id"]}, user=SYSTEM)
    return {"id": made["id"], "reason": "安全措施不足"}


def open_grant(portal: Portal, owner: str, applicant: str) -> str:
    made = open_application(portal, owner, applicant, "open_application_approve")
    return str(portal.call("open_application_show", {"id": made["id"]},
                           user=SYSTEM)["grant_id"])
