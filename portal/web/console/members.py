"""Pending memberships: the bureau confirms or refuses them (bureau staff only).

An organization admin who adds an account that is nobody's staff makes a request
(portal/actions/organizations.py); the account has no role until it is confirmed here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.web.account.auth import staff_only
from portal.web.support.calls import call, visitor

bp = Blueprint("console_members", __name__, url_prefix="/console")


def _bureau_only() -> None:
    caller = visitor()
    if caller is None or not caller.sysadmin:
        abort(403)


@bp.route("/members")
@staff_only
def pending() -> str:
    _bureau_only()
    return render_template("console/members.html",
                           requests=call("organization_member_request_list", {}))


@bp.route("/members/decide", methods=["POST"])
@staff_only
def decide() -> Response:
    _bureau_only()
    params = {"id": request.form.get("organization", ""),
              "username": request.form.get("username", "")}
    if request.form.get("do") == "confirm":
        call("organization_member_confirm", params)
        flash(_("The membership is confirmed."), "success")
    else:
        call("organization_member_reject", params)
        flash(_("The membership is refused."), "success")
    return redirect(url_for(".pending"))
