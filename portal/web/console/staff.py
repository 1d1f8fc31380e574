"""What the console pages ask about the signed-in staff member: the organizations they
may create entries for, whether they may edit an entry, and working days waited.

These only decide which forms to offer; the actions decide again on submit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.web.support.calls import call, portal, visitor

EDIT_ROLES = ("editor", "admin")


def editable_orgs() -> list[dict[str, Any]]:
    """Organizations the visitor may create entries for (all of them for the bureau)."""
    caller = visitor()
    if caller is None:
        return []
    orgs = call("organization_list", {"all_fields": True, "sort": "title asc"})
    if caller.sysadmin:
        return list(orgs)
    return [o for o in orgs if caller.roles.get(o["id"]) in EDIT_ROLES]


def can_edit(pkg: dict[str, Any]) -> bool:
    """Whether to offer the edit and upload forms; the actions decide again on submit."""
    caller = visitor()
    return bool(caller and (caller.sysadmin or caller.roles.get(pkg["owner_org"]) in EDIT_ROLES))


def working_days_since(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        start = date.fromisoformat(iso[:10])
    except ValueError:
        return None
    return portal().calendar.between(start, portal().clock.today())
