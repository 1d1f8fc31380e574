"""The staff console's dashboard: what waits for the signed-in staff member.

Bureau staff (sysadmins) and members of an organization only. Everything shown
comes from actions called as that member, so a department sees its own
entries, reviews and deadlines and the bureau sees everyone's. The console's
other pages live beside this module: dataset (the entry form, uploads,
submitting), review (the review queue and decisions), sharing (share requests,
grants, open applications).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from portal.core.errors import NotAuthorized
from portal.web.account.auth import staff_only
from portal.web.console.staff import editable_orgs, working_days_since
from portal.web.support.calls import call, visitor
from portal.web.support.charts import bar_chart

bp = Blueprint("console", __name__, url_prefix="/console")

LIST_ROWS = 50
STATES = ("draft", "pending", "published", "withdrawn")


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
