"""Catalog pages: the search page and one entry's page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.web.calls import portal, show_or_404
from portal.web.search_form import SORTS, SearchForm, run

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
    return render_template("dataset_read.html", pkg=pkg, api_base=api_base())
