"""Themes (CKAN groups): the list, and one theme's entries."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.web.public.search_form import SORTS, SearchForm, run
from portal.web.support.calls import call, show_or_404

bp = Blueprint("group", __name__)


@bp.route("/group", strict_slashes=False)
def index() -> str:
    return render_template("group_list.html", groups=call("group_list", {"all_fields": True}))


@bp.route("/group/<name>")
def read(name: str) -> str:
    group = show_or_404("group_show", {"id": name})
    if group.get("state") != "active":
        abort(404)  # deleted: as if it never existed
    form = SearchForm.from_args(request.args, fixed=("groups", group["name"]))
    return render_template("group_read.html", group=group, results=run(form), sorts=SORTS)
