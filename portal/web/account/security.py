"""A user's account security pages, and the bureau's page for other accounts.

- /user/account: your password, second factor and API tokens at a glance;
- /user/password: change your password (the current one required); also the step a
  password reset by the bureau leads to at sign-in;
- /user/2fa: enrol a second factor (secret and QR code, made here), confirm it with a
  code, see the recovery codes once; the step a sysadmin without one is held at;
- /user/tokens: your API tokens with their expiry and last use, make and revoke them;
- /console/users: the bureau resets a password, disables or enables an account,
  removes a lost second factor.

The actions decide; these pages call them as the visitor (as the pending user for a
step of signing in).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal import totp
from portal.core.context import Caller
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.web.account.auth import (
    NEXT_KEY,
    after_step,
    auth,
    home_for,
    pending_caller,
    safe_next,
    signed_in_only,
    start_session,
)
from portal.web.support.calls import call, portal, visitor
from portal.web.support.forms import field_errors

bp = Blueprint("security", __name__)


def _me(stage: str) -> Caller | None:
    """The signed-in visitor, or the user of a sign-in pending at `stage`."""
    pending = g.get("pending")
    if pending is not None:
        return pending_caller() if pending.stage == stage else None
    return visitor()


def _call_as(caller: Caller, name: str, params: dict[str, Any]) -> Any:
    return portal().call(name, params, user=caller)


@bp.route("/user/account")
@signed_in_only
def overview() -> str:
    state = call("user_security_show", {})
    tokens = call("api_token_list", {})
    return render_template("account/security.html", state=state, tokens=tokens)


@bp.route("/user/password", methods=["GET", "POST"])
def password() -> str | Response:
    me = _me("change")
    if me is None:
        return redirect(url_for("account.login", next=url_for("security.password")))
    forced = g.get("pending") is not None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("new_password2", ""):
            errors["new_password2"] = [_("The two passwords differ.")]
        else:
            try:
                _call_as(me, "user_password_change", {
                    "old_password": request.form.get("old_password", ""),
                    "new_password": new})
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                flash(_("Your password has been changed. Every other session of yours has "
                        "been signed out."), "success")
                # The action ended every session of the user: this one starts afresh.
                if forced:
                    return after_step(me.id, "full")
                start_session(me.id, "full")
                return redirect(url_for("security.overview"))
    return render_template("account/password.html", errors=errors, forced=forced)


@bp.route("/user/2fa", methods=["GET", "POST"], endpoint="totp")
def totp_page() -> str | Response:
    me = _me("enroll")
    if me is None:
        return redirect(url_for("account.login", next=url_for("security.totp")))
    enrolling = g.get("pending") is not None
    state = _call_as(me, "user_security_show", {})
    errors: dict[str, list[str]] = {}
    step = request.form.get("step", "") if request.method == "POST" else ""
    if step == "confirm":
        try:
            made = _call_as(me, "user_totp_confirm", {"code": request.form.get("code", "")})
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            next_page = url_for("security.overview")
            if enrolling:  # a step of signing in: on to the next step, or where it led
                facts = auth().user_facts(me.id) or {}
                target = safe_next(session.get(NEXT_KEY))
                if facts.get("must_change_password"):
                    start_session(me.id, "change", target)
                    next_page = url_for("security.password")
                else:
                    start_session(me.id, "full")
                    next_page = target or home_for(me)
            return render_template("account/recovery_codes.html",
                                   codes=made["recovery_codes"], next_page=next_page)
    if step == "remove" and not enrolling:
        try:
            _call_as(me, "user_totp_disable", {"password": request.form.get("password", "")})
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            flash(_("The second factor has been removed. Sign in again."), "success")
            return redirect(url_for("account.login"))
    if (step in ("setup", "confirm") or enrolling) and not state["enrolled"]:
        made = _call_as(me, "user_totp_setup", {})
        return render_template("account/totp.html", state=state, setup=made,
                               qr=totp.qr_svg(made["uri"]), errors=errors,
                               enrolling=enrolling)
    return render_template("account/totp.html", state=state, setup=None, qr="",
                           errors=errors, enrolling=enrolling)


@bp.route("/user/tokens", methods=["GET", "POST"])
@signed_in_only
def tokens() -> str:
    made = None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                call("api_token_revoke", {"jti": request.form["revoke"]})
                flash(_("The token has been revoked."), "success")
            else:
                made = call("api_token_create", {
                    "name": request.form.get("name", "").strip() or "api",
                    "expires_in_days": request.form.get("expires_in_days", "")})
        except ValidationError as exc:
            errors = field_errors(exc)
        except NotFound:
            abort(404)
    return render_template("account/tokens.html", tokens=call("api_token_list", {}),
                           made=made, errors=errors)


# --- the bureau ------------------------------------------------------------------------

BUREAU_ACTIONS = {"reset": "user_password_reset", "disable": "user_disable",
                  "enable": "user_enable", "remove_2fa": "user_totp_disable"}


@bp.route("/console/users", methods=["GET", "POST"])
@signed_in_only
def users() -> str:
    caller = visitor()
    if caller is None or not caller.sysadmin:
        abort(403)
    name = (request.values.get("name") or "").strip()[:100]
    state = temporary = None
    problem = ""
    if request.method == "POST":
        what = BUREAU_ACTIONS.get(request.form.get("do", ""))
        if what is None:
            abort(400)
        try:
            done = call(what, {"id": name})
        except (NotFound, ValidationError):
            problem = _("No such user.")
        except NotAuthorized as exc:
            problem = str(exc)
        else:
            temporary = done.get("password")
            flash(_("Done."), "success")
    if name and not problem:
        try:
            state = call("user_security_show", {"id": name})
        except (NotFound, ValidationError):
            problem = _("No such user.")
    return render_template("console/users.html", name=name, state=state,
                           temporary=temporary, problem=problem)
