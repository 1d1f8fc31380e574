"""Signing in and out, signing up, and who the visitor is on every page.

The signed session cookie (Flask's, keyed by site.secret_key or the per-install
key in var/secret) holds the user's id; a before_request hook turns it into
`g.caller`, so every page shows what that user may see because the actions
decide. The account is looked up on every request: a disabled or deleted
account is signed out at its next page.

Every POST to the pages carries a CSRF token kept in the session. The API does
not need one: it never reads the cookie (portal/api/action.py).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
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

from portal.api.action import api_token
from portal.core.context import Caller
from portal.core.errors import NotAuthorized, ValidationError
from portal.web.support import locale
from portal.web.support.calls import call, portal, visitor
from portal.web.support.forms import field_errors
from portal.web.support.status_labels import status_label

bp = Blueprint("account", __name__)

USER_KEY = "uid"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

F = TypeVar("F", bound=Callable[..., Any])


def _is_page(path: str) -> bool:
    """The API authenticates by token and static files need no one."""
    return not (path == "/api" or path.startswith(("/api/", "/static/")))


# Where an API token in Authorization (or X-CKAN-API-Key) signs the request in.
TOKEN_ENDPOINTS = frozenset({"download.download", "download.version_download",
                             "dataset_zip.download_zip", "datastore_dump.dump"})


def load_caller() -> None:
    """before_request: g.caller from the session (None for anonymous visitors)."""
    g.caller = None
    if not _is_page(request.path):
        return
    user_id = session.get(USER_KEY)
    if not user_id:
        # Scripts download files as a user with their API token: an approved applicant
        # fetches conditionally open files this way, a grant token its grant's files.
        # Pages are for people (and a grant token could not read them anyway).
        token = api_token() if request.endpoint in TOKEN_ENDPOINTS else ""
        if token:
            try:
                g.caller = portal().caller_by_token(token)
            except NotAuthorized as exc:  # a grant token whose grant ended
                abort(403, description=str(exc))
            if g.caller is None:
                abort(403, description="The API token is not valid")
        return
    caller = portal().caller_by_id(str(user_id))
    if caller is None:  # disabled or deleted since signing in
        session.pop(USER_KEY, None)
    g.caller = caller


def csrf_token() -> str:
    """The session's token, made on first use (a template global)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """before_request: a page POST without this session's token is refused before any
    view (and so any action) runs."""
    if request.method not in UNSAFE_METHODS or not _is_page(request.path):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF_KEY) or ""
    if not (expected and hmac.compare_digest(str(sent), str(expected))):
        abort(400, description=_(
            "The form has expired or did not come from this site. Go back, reload the "
            "page and send it again."))


def is_staff(caller: Caller | None) -> bool:
    """Bureau staff or a member of some organization: who the console is for."""
    return bool(caller and (caller.sysadmin or caller.roles))


def _login_redirect() -> Response:
    return redirect(url_for("account.login", next=request.full_path.rstrip("?")))


def signed_in_only(view: F) -> F:
    """Anonymous visitors are sent to the sign-in page and brought back afterwards."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if visitor() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_only(view: F) -> F:
    """The console: anonymous visitors sign in first; citizens get a 403."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        caller = visitor()
        if caller is None:
            return _login_redirect()
        if not is_staff(caller):
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None) -> str | None:
    """A path on this site to return to; anything that could leave the site is dropped."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\\"):
        return None
    return target


def _home_for(caller: Caller) -> str:
    return url_for("console.dashboard") if is_staff(caller) else url_for("applications.index")


def _start_session(caller: Caller) -> None:
    """A fresh session for the signed-in user: only the language choice is kept, and the
    CSRF token is a new one."""
    lang = session.get(locale.SESSION_KEY)
    session.clear()
    if lang:
        session[locale.SESSION_KEY] = lang
    session[USER_KEY] = caller.id
    g.caller = caller


@bp.route("/user/login", methods=["GET", "POST"])
def login() -> str | Response:
    target = safe_next(request.values.get("next"))
    caller = visitor()
    if request.method == "GET" and caller is not None:
        return redirect(target or _home_for(caller))
    failed = False
    name = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        caller = portal().authenticate(name, request.form.get("password", ""))
        if caller is not None:
            _start_session(caller)
            return redirect(target or _home_for(caller))
        failed = True  # one message whichever of the two was wrong
    return render_template("account/login.html", name=name, next=target, failed=failed)


@bp.route("/user/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    if request.method == "GET":
        # Signing out changes state, so it is a POST (a link elsewhere could not sign
        # the visitor out); the page only holds the button.
        return render_template("account/logout.html")
    lang = session.get(locale.SESSION_KEY)
    session.clear()
    if lang:
        session[locale.SESSION_KEY] = lang
    g.caller = None
    flash(_("You have signed out."), "success")
    return redirect(url_for("home.index"))


REGISTER_FIELDS = ("name", "fullname", "email")


@bp.route("/user/register", methods=["GET", "POST"])
def register() -> str | Response:
    values = {key: request.form.get(key, "").strip() for key in REGISTER_FIELDS}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            errors["password2"] = [_("The two passwords differ.")]
        else:
            try:
                call("user_register", {**values, "password": password})
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                caller = portal().authenticate(values["name"], password)
                if caller is not None:
                    _start_session(caller)
                flash(_("Welcome! Your account has been created and you are signed in."),
                      "success")
                return redirect(url_for("applications.index"))
    return render_template("account/register.html", values=values, errors=errors)


def _account_context() -> dict[str, Any]:
    caller = g.get("caller")
    return {"caller": caller, "is_staff": is_staff(caller)}


def init(app: Flask) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    site_url = str(app.extensions["shuyuan"].settings.get("site", "url", ""))
    # Behind https the cookie must never travel in the clear.
    app.config["SESSION_COOKIE_SECURE"] = site_url.startswith("https://")
    app.before_request(load_caller)
    app.before_request(check_csrf)
    app.context_processor(_account_context)
    app.jinja_env.globals.update(csrf_token=csrf_token, status_label=status_label)
    app.register_blueprint(bp)
