"""Catalog pages: the search page and one entry's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from portal import access
from portal.core.errors import ActionError
from portal.web.public.licence_titles import shown_title
from portal.web.public.search_form import SORTS, SearchForm, run
from portal.web.support.calls import call, portal, show_or_404, visitor

bp = Blueprint("dataset", __name__)


def api_base() -> str:
    """Where API clients reach this site: the configured site URL, else this request's."""
    return portal().site_url or request.url_root.rstrip("/")


@bp.route("/dataset", strict_slashes=False)
def search() -> str:
    results = run(SearchForm.from_args(request.args))
    return render_template("dataset_search.html", results=results, sorts=SORTS)


@bp.route("/dataset/<id>")
def read(id: str) -> str:
    pkg = show_or_404("package_show", {"id": id})
    # The page shows the licence in its language; the API keeps CKAN's English title.
    pkg = dict(pkg, license_title=shown_title(pkg.get("license_title") or ""))
    return render_template("dataset_read.html", pkg=pkg, api_base=api_base(),
                           own_file_tables=own_file_tables(pkg))


def own_file_tables(pkg: dict[str, Any]) -> frozenset[str]:
    """The resources whose table the visitor may not read because its rows are given to
    them in a file made for them (a grant's recipient of a conditionally open entry,
    portal/access.py `table_refusal`): the page says so instead of a preview, table
    downloads and an API example that would all be refused. Asked of datastore_info,
    as the visitor: the action decides."""
    if visitor() is None or pkg.get("open_type") != "conditional":
        return frozenset()
    refused: set[str] = set()
    for res in pkg.get("resources") or []:
        if not res.get("datastore_active"):
            continue
        try:
            call("datastore_info", {"id": res["id"]})
        except ActionError as exc:
            if access.PER_RECIPIENT in exc.message:
                refused.add(res["id"])
    return frozenset(refused)
