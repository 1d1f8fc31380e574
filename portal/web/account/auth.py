"""Signing in and out, signing up, and who the visitor is on every page.

Sessions are kept on the server (portal/sessions.py): Flask's signed cookie carries
only a random session id (with the CSRF token and the language choice), and a
before_request hook turns a live session into `g.caller`, so every page shows what that
user may see because the actions decide. Signing out, a password change, a disabled
account or a reset by the bureau delete the session's row: the same cookie sent again
is nobody's. A session unused for too long, or too old, is over (settings: accounts).

Signing in has steps: the password, then a TOTP code for an account with a second
factor; a sysadmin without one enrols first, and a password reset by the bureau is
changed before anything else. Until the last step a session is "pending": it reaches
only the page of its step and signing out (`hold_pending`).

Every POST to the pages carries a CSRF token kept in the session. The API does
not need one: it never reads the cookie (portal/api/action.py).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
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
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.api.action import api_token, error_response
from portal.audit import AuditUnavailable
from portal.authentication import Authenticator
from portal.core.context import Caller
from portal.core.errors import NotAuthorized, ValidationError
from portal.web.support import locale
from portal.web.support.calls import call, portal, visitor
from portal.web.support.forms import field_errors
from portal.web.support.status_labels import status_label

bp = Blueprint("account", __name__)

SESSION_KEY = "sid"  # the random id of the server-side session; never a user id
NEXT_KEY = "next"  # where to go once a pending sign-in is complete
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

F = TypeVar("F", bound=Callable[..., Any])

# The pages a pending session may reach, by its stage (and signing out, static files).
STAGE_PAGES = {
    "code": "account.login_code",
    "enroll": "security.totp",
    "change": "security.password",
}
ALWAYS_OPEN = frozenset({"account.logout", "account.login", "static"})


@dataclass(frozen=True)
class Pending:
    """A session between the password and the last step of signing in."""

    user_id: str
    stage: str


def auth() -> Authenticator:
    return portal().auth


def client_address() -> str:
    return request.remote_addr or ""


def _is_page(path: str) -> bool:
    """The API authenticates by token and static files need no one."""
    return not (path == "/api" or path.startswith(("/api/", "/static/")))


# Where an API token in Authorization (or X-CKAN-API-Key) signs the request in.
TOKEN_ENDPOINTS = frozenset({"download.download", "download.version_download",
                             "dataset_zip.download_zip", "datastore_dump.dump"})


def _forget_session() -> None:
    session.pop(SESSION_KEY, None)


def load_caller() -> None:
    """before_request: g.caller from the server-side session (None for anonymous
    visitors and for a pending sign-in, which is g.pending)."""
    g.caller = None
    g.pending = None
    if not _is_page(request.path):
        return
    raw = session.get(SESSION_KEY)
    if raw:
        found = auth().sessions.find(str(raw))
        if found is None:  # signed out elsewhere, ended, expired, or never ours
            _forget_session()
        elif found.stage != "full":
            g.pending = Pending(found.user_id, found.stage)
        else:
            caller = auth().by_id(found.user_id)
            if caller is None:  # disabled or deleted since signing in
                auth().sessions.end(str(raw))
                _forget_session()
            g.caller = caller
        return
    # Scripts download files as a user with their API token: an approved applicant
    # fetches conditionally open files this way, a grant token its grant's files.
    # Pages are for people (and a grant token could not read them anyway).
    token = api_token() if request.endpoint in TOKEN_ENDPOINTS else ""
    if token:
        try:
            g.caller = auth().by_token(token)
        except NotAuthorized as exc:  # a grant token whose grant ended
            abort(403, description=str(exc))
        if g.caller is None:
            abort(403, description="The API token is not valid")


def note_token_use(response: Response) -> Response:
    """after_request: a request a token was used for, and that succeeded, records the
    token's last use and address (a new address is audited). A refused call changes
    nothing, as every refusal; the refusals log has it."""
    if response.status_code >= 400:
        return response
    token = api_token()
    if token and (not _is_page(request.path) or request.endpoint in TOKEN_ENDPOINTS):
        try:
            auth().note_token_use(token, client_address())
        except AuditUnavailable as exc:  # fail closed: a use that cannot be audited gets nothing
            return error_response(request.path.rsplit("/", 1)[-1], exc)
    return response


def hold_pending() -> Response | None:
    """before_request: a pending sign-in reaches only its step's page."""
    pending: Pending | None = g.get("pending")
    if pending is None or request.endpoint in ALWAYS_OPEN:
        return None
    page = STAGE_PAGES.get(pending.stage, "account.login")
    if request.endpoint == page:
        return None
    return redirect(url_for(page))


def pending_caller() -> Caller | None:
    """The user of a pending sign-in, as a caller for its own step's actions."""
    pending: Pending | None = g.get("pending")
    return auth().by_id(pending.user_id) if pending else None


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


def home_for(caller: Caller) -> str:
    return url_for("console.dashboard") if is_staff(caller) else url_for("applications.index")


def start_session(user_id: str, stage: str, target: str | None = None) -> None:
    """A fresh session at `stage` for the user, ending the one the browser had: only the
    language choice (and where to go next) is kept, and the CSRF token is a new one."""
    old = session.get(SESSION_KEY)
    if old:
        auth().sessions.end(str(old))
    lang = session.get(locale.SESSION_KEY)
    session.clear()
    if lang:
        session[locale.SESSION_KEY] = lang
    if target:
        session[NEXT_KEY] = target
    session[SESSION_KEY] = auth().sessions.start(
        user_id, stage, client_address(), request.headers.get("User-Agent", ""))
    g.pending = Pending(user_id, stage) if stage != "full" else None
    g.caller = auth().by_id(user_id) if stage == "full" else None


def after_step(user_id: str, stage: str) -> Response:
    """Where a step of signing in leads: the next step's page, or (signed in) the page the
    visitor was going to."""
    target = safe_next(session.get(NEXT_KEY))
    start_session(user_id, stage, target)
    if stage != "full":
        return redirect(url_for(STAGE_PAGES[stage]))
    session.pop(NEXT_KEY, None)
    caller = visitor()
    return redirect(target or (home_for(caller) if caller else url_for("home.index")))


@bp.route("/user/login", methods=["GET", "POST"])
def login() -> str | Response:
    target = safe_next(request.values.get("next"))
    caller = visitor()
    if request.method == "GET" and caller is not None:
        return redirect(target or home_for(caller))
    failed = locked = False
    name = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:200]
        result = auth().sign_in(name, request.form.get("password", ""), client_address())
        if result.status == "ok":
            session[NEXT_KEY] = target or ""
            return after_step(result.user_id, result.stage)
        # One message whichever of the two was wrong, and the same lockout for names
        # that exist and names that do not.
        failed, locked = True, result.status == "locked"
    return render_template("account/login.html", name=name, next=target, failed=failed,
                           locked=locked)


@bp.route("/user/login/code", methods=["GET", "POST"])
def login_code() -> str | Response:
    """The second step: a code from the authenticator app, or a recovery code."""
    pending: Pending | None = g.get("pending")
    if pending is None or pending.stage != "code":
        return redirect(url_for("account.login"))
    failed = locked = False
    if request.method == "POST":
        result = auth().second_factor(pending.user_id, request.form.get("code", ""),
                                      client_address())
        if result.status == "ok":
            return after_step(result.user_id, result.stage)
        failed, locked = True, result.status == "locked"
    return render_template("account/login_code.html", failed=failed, locked=locked)


@bp.route("/user/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    if request.method == "GET":
        # Signing out changes state, so it is a POST (a link elsewhere could not sign
        # the visitor out); the page only holds the button.
        return render_template("account/logout.html")
    raw = session.get(SESSION_KEY)
    if raw:
        caller = visitor() or pending_caller()  # a sign-in given up at a later step too
        name = caller.name if caller else "anonymous"
        auth().sign_out(str(raw), name, client_address())
    lang = session.get(locale.SESSION_KEY)
    session.clear()
    if lang:
        session[locale.SESSION_KEY] = lang
    g.caller = g.pending = None
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
                made = call("user_register", {**values, "password": password})
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                # Signed in at once: the password was just chosen, and a citizen has no
                # second factor to give yet.
                start_session(made["id"], "full")
                flash(_("Welcome! Your account has been created and you are signed in."),
                      "success")
                return redirect(url_for("applications.index"))
    return render_template("account/register.html", values=values, errors=errors)


def _account_context() -> dict[str, Any]:
    caller = g.get("caller")
    return {"caller": caller, "is_staff": is_staff(caller)}


class ServerSessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure whenever the request came over https (or the
    settings say so), not only when the site's URL is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if super().get_cookie_secure(app):
            return True
        try:
            return bool(request.is_secure)
        except RuntimeError:  # outside a request
            return False


def init(app: Flask) -> None:
    from portal.web.account import security

    settings = app.extensions["shuyuan"].settings
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    site_url = str(settings.get("site", "url", ""))
    # Behind https the cookie must never travel in the clear.
    app.config["SESSION_COOKIE_SECURE"] = (site_url.startswith("https://")
                                           or bool(settings.get("accounts", "cookie_secure",
                                                                False)))
    app.session_interface = ServerSessionCookie()
    app.before_request(load_caller)
    app.before_request(check_csrf)
    app.before_request(hold_pending)
    app.after_request(note_token_use)
    app.context_processor(_account_context)
    app.jinja_env.globals.update(csrf_token=csrf_token, status_label=status_label)
    app.register_blueprint(bp)
    app.register_blueprint(security.bp)
