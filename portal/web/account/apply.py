"""Citizens and companies apply for conditionally open data (开放申请, Art. 27), and take
an API token for an approved application's grant.

The form is reached from the entry's public page; open_application_create decides who
may apply (signed-in users who are staff of no organization) and for which entries
(published, conditionally open), and its refusals are shown on the form. The
applicant follows the application on "my applications".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.core.errors import ValidationError
from portal.web.account.auth import signed_in_only
from portal.web.support.calls import call, show_or_404
from portal.web.support.forms import field_errors

bp = Blueprint("apply", __name__)

FIELDS = ("scenario", "security_measures", "purpose", "period_end", "applicant_type",
          "company_name")


@bp.route("/user/apply/<name>", methods=["GET", "POST"])
@signed_in_only
def form(name: str) -> str | Response:
    pkg = show_or_404("package_show", {"id": name})
    values = {key: request.form.get(key, "").strip() for key in FIELDS}
    if values["applicant_type"] not in ("citizen", "company"):
        values["applicant_type"] = "citizen"
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        params: dict[str, Any] = {"dataset": pkg["name"], **values}
        if values["applicant_type"] != "company":
            params.pop("company_name")
        try:
            call("open_application_create", params)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            flash(_("Your application has been filed; the bureau answers within 7 working "
                    "days."), "success")
            return redirect(url_for("applications.index"))
    return render_template("account/apply.html", pkg=pkg, values=values, errors=errors,
                           known=FIELDS)


@bp.route("/user/grant/<grant_id>/token", methods=["POST"])
@signed_in_only
def token(grant_id: str) -> str:
    """An API token restricted to the grant, shown once."""
    try:
        made = call("grant_token_create", {"grant_id": grant_id,
                                           "name": request.form.get("name", "").strip()
                                           or f"grant-{grant_id[:8]}"})
    except ValidationError as exc:
        messages = [m for ms in field_errors(exc).values() for m in ms]
        return render_template("account/grant_token.html", made=None, errors=messages)
    return render_template("account/grant_token.html", made=made, errors=[])
