""""My applications": a signed-in citizen's or company's data requests and open
applications, with their status and due dates.

data_request_list returns every request the caller may see (public ones too);
only those marked `mine` are listed here, with the caller's open applications.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from portal.core.errors import NotAuthorized
from portal.web.account.auth import signed_in_only
from portal.web.support.calls import call

bp = Blueprint("applications", __name__)

MAX_ROWS = 1000


def _open_applications() -> list[dict[str, Any]] | None:
    try:
        found = call("open_application_list", {"mine": True, "limit": 100})
    except NotAuthorized:  # e.g. a rule that keeps staff out of open applications
        return None
    return list(found.get("results") or []) if isinstance(found, dict) else list(found)


@bp.route("/user/applications")
@signed_in_only
def index() -> str:
    requests = [r for r in call("data_request_list", {"limit": MAX_ROWS}) if r.get("mine")]
    return render_template("account/applications.html", data_requests=requests,
                           open_applications=_open_applications())
