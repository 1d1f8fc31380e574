"""Providers: the list of organizations by type, and one organization's entries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from portal.web.public.search_form import SORTS, SearchForm, run
from portal.web.support import labels
from portal.web.support.calls import call, show_or_404

bp = Blueprint("organization", __name__)


def by_type(orgs: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Organizations grouped by type, in the glossary's order; unknown types last."""
    order = list(labels.ORGANIZATION_TYPE)
    groups: dict[str, list[dict[str, Any]]] = {}
    for org in orgs:
        groups.setdefault(org.get("organization_type") or "", []).append(org)
    keys = sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))
    return [(key, groups[key]) for key in keys]


@bp.route("/organization", strict_slashes=False)
def index() -> str:
    orgs = call("organization_list", {"all_fields": True, "sort": "package_count desc"})
    return render_template("organization_list.html", sections=by_type(orgs), total=len(orgs))


@bp.route("/organization/<name>")
def read(name: str) -> str:
    org = show_or_404("organization_show", {"id": name})
    if org.get("state") != "active":
        abort(404)  # deleted: as if it never existed
    form = SearchForm.from_args(request.args, fixed=("organization", org["name"]))
    return render_template("organization_read.html", org=org, results=run(form), sorts=SORTS)
