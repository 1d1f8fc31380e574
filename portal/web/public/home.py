"""The home page: what the catalog holds, at a glance."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, url_for

from portal.web.support import labels
from portal.web.support.calls import call
from portal.web.support.charts import bar_chart

bp = Blueprint("home", __name__)

NEWEST = 6


def _facet(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return list(result["search_facets"].get(name, {}).get("items", []))


@bp.route("/")
def index() -> str:
    # One search gives the count, the newest entries and every number on the page,
    # all over what this visitor may see.
    result = call("package_search", {
        "q": "", "rows": NEWEST, "sort": "metadata_modified desc", "facet.limit": -1,
        "facet.field": json.dumps(["organization", "classification", "res_format"]),
    })
    by_class = {i["name"]: i["count"] for i in _facet(result, "classification")}
    orgs = _facet(result, "organization")
    chart = bar_chart([
        (i["display_name"], i["count"], url_for("organization.read", name=i["name"]))
        for i in orgs
    ])
    return render_template(
        "home.html",
        count=result["count"],
        newest=result["results"],
        classifications=[(c, by_class.get(c, 0)) for c in labels.CLASSIFICATION],
        formats=_facet(result, "res_format"),
        organization_count=len(call("organization_list", {})),
        provider_count=len(orgs),
        groups=call("group_list", {"all_fields": True}),
        chart=chart,
    )
