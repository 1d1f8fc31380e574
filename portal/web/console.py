"""The staff console's dashboard: what waits for the signed-in staff member.

Bureau staff (sysadmins) and members of an organization only. Everything shown
comes from actions called as that member, so a department sees its own
entries, reviews and deadlines and the bureau sees everyone's. The console's
other pages live beside this module: console_dataset (the entry form, uploads,
submitting), console_review (the review queue and decisions).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from portal.core.errors import NotAuthorized
from portal.web.auth import staff_only
from portal.web.calls import call, portal, visitor
from portal.web.charts import bar_chart

bp = Blueprint("console", __name__, url_prefix="/console")

LIST_ROWS = 50
EDIT_ROLES = ("editor", "admin")
STATES = ("draft", "pending", "published", "withdrawn")


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


def _scope() -> str:
    """An fq clause limiting entries to the visitor's organizations (none for the bureau)."""
    caller = visitor()
    if caller is None or caller.sysadmin or not caller.roles:
        return ""
    return " AND (" + " OR ".join(f"owner_org:{oid}" for oid in sorted(caller.roles)) + ")"


def _entries(state: str, rows: int) -> dict[str, Any]:
    return call("package_search", {
        "q": "", "fq": f"publication_state:{state}{_scope()}", "rows": rows,
        "include_drafts": True, "include_private": True, "facet": False,
        "sort": "metadata_modified desc"})


def _pending_reviews() -> list[dict[str, Any]]:
    try:
        found = call("publication_review_list", {"status": "pending", "limit": LIST_ROWS})
    except NotAuthorized:
        return []
    reviews = list(found.get("results") or [])
    for review in reviews:
        review["waiting_days"] = working_days_since(review.get("submitted_at"))
    return reviews


def _deadlines() -> list[dict[str, Any]]:
    """Catalog changes and data requests still to be done, the nearest deadline first."""
    caller = visitor()
    assert caller is not None
    items: list[dict[str, Any]] = []
    for change in call("catalog_change_list", {"limit": LIST_ROWS}):
        step = {"open": "update", "updated": "report"}.get(change["state"])
        if step:
            items.append({"kind": "catalog_change", "title": change["description"],
                          "organization": change["organization_title"],
                          "due": change[f"{step}_due"], "days_left": change[f"{step}_days_left"],
                          "overdue": change[f"{step}_overdue"]})
    for req in call("data_request_list", {"state": "routed", "limit": LIST_ROWS}):
        if caller.sysadmin or req["organization_id"] in caller.roles:
            items.append({"kind": "data_request", "title": req["title"],
                          "organization": req["organization_title"], "due": req["due"],
                          "days_left": req["days_left"], "overdue": req["overdue"]})
    return sorted(items, key=lambda i: (i["due"] or "9999", i["title"]))


def _state_chart() -> Any:
    """The visitor's organizations' entries (the whole catalog's for the bureau) by state."""
    labels = {"draft": _("Drafts"), "pending": _("In review"), "published": _("Published"),
              "withdrawn": _("Withdrawn")}
    links = {"draft": "#drafts", "pending": "#in-review", "published": url_for("dataset.search"),
             "withdrawn": "#"}
    return bar_chart([(labels[s], _entries(s, 0)["count"], links[s]) for s in STATES],
                     limit=len(STATES))


@bp.route("", strict_slashes=False)
@staff_only
def dashboard() -> str:
    return render_template(
        "console/dashboard.html",
        reviews=_pending_reviews(),
        drafts=_entries("draft", LIST_ROWS),
        deadlines=_deadlines(),
        chart=_state_chart(),
        orgs=editable_orgs(),
    )
