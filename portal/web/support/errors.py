"""Themed error pages. The API keeps its own (JSON) answers.

An action's refusal reaches the visitor here, in one place: a view calls the action
and lets its ActionError go, and `action_error` answers with the themed page of the
error's status (NotFound 404, NotAuthorized 403, a value the request got wrong 400),
in the visitor's language. The action's own message is English for API clients and
names actions and parameters, so the page does not show it. A view still catches an
ActionError when it has something better to show (a form's field errors beside the
fields, a section left out).
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal.audit import AuditUnavailable
from portal.core.errors import ActionError, NotAuthorized, NotFound, ValidationError

log = logging.getLogger(__name__)

TITLES: dict[int, LazyString] = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
MESSAGES: dict[int, LazyString] = {
    400: _l("The request could not be understood."),
    403: _l("You may not see this page."),
    404: _l("The page you asked for does not exist, or is not public."),
    429: _l("You have sent too many requests in a short time. Please wait a moment and try "
            "again."),
    500: _l("The server could not finish your request. Please try again later."),
    503: _l("The portal cannot record this request in its audit log, so it was not done. "
            "Please tell the data bureau."),
}


class BadSearch(BadRequest):
    """A query package_search cannot read: shown as a friendly page with status 400."""


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _page(code: int, detail: str = "") -> tuple[str, int]:
    return render_template("error.html", code=code, title=TITLES.get(code, TITLES[400]),
                           message=MESSAGES.get(code, ""), detail=detail), code


def _detail(error: HTTPException) -> str:
    """What a view said about a bad request (abort(400, description=...)), if anything:
    Werkzeug's stock descriptions say nothing the page does not say already."""
    if error.code not in (400, 403) or error.description == type(error).description:
        return ""
    return str(error.description or "")


def http_error(error: HTTPException) -> Response | tuple[str, int] | HTTPException:
    if _is_api():
        return error
    code = error.code or 500
    if isinstance(error, BadSearch):
        return render_template("search_error.html", detail=error.description,
                               q=request.args.get("q", "")), 400
    return _page(code, _detail(error))


def server_error(error: InternalServerError) -> tuple[str, int] | HTTPException:
    if _is_api():
        return error
    try:
        return _page(500)
    except Exception:  # the theme itself is broken: answer without it
        log.exception("the error page could not be rendered")
        return "500 Internal Server Error", 500


def page_status(error: ActionError) -> int:
    """The status a page answers for an action's refusal; anything else is a server error."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAuthorized):
        return 403
    if error.status == 429:
        return 429  # busy (TooManyRequests): the visitor may try again
    if isinstance(error, AuditUnavailable):
        return 503  # the audit log cannot be written: refused (fail closed), not broken
    if isinstance(error, ValidationError) or error.status == 400:
        return 400  # a parameter the visitor sent (a query string, a form) cannot be used
    return 500


def action_error(error: ActionError) -> tuple[str, int] | HTTPException:
    """An ActionError a view let go (the API answers its own, portal/api/action.py)."""
    code = page_status(error)
    if code == 500:
        log.error("an action failed under %s", request.path, exc_info=error)
        return server_error(InternalServerError())
    return _page(code)


def register(app: Flask) -> None:
    app.register_error_handler(InternalServerError, server_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(ActionError, action_error)
