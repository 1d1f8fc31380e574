"""The CKAN Action API: /api/3/action/NAME and /api/action/NAME.

This module only turns HTTP into (name, params, caller) and results or errors
into CKAN's envelopes; the work is done by the actions. Error types map to
HTTP statuses in one place (ActionError.status). A JSON body is held to a size
(`api.max_body_bytes`) and a depth before any action sees it; the values in it
are checked to be storable text by the validation layer (portal/core/validation.py).
/api/3/openapi.json describes every action (portal/api/openapi.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, json, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from portal import settings as portal_settings
from portal.actions.resources import Upload
from portal.api import openapi
from portal.core.context import Caller
from portal.core.errors import (
    ActionError,
    BadRequest,
    NotAuthorized,
    UnknownAction,
    ValidationError,
)
from portal.core.validation import MAX_DEPTH, TOO_DEEP, text_problem
from portal.services import Portal

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

OPENAPI_URL = "/api/3/openapi.json"
DEFAULT_MAX_BODY_BYTES = 10 * 2**20


def portal() -> Portal:
    return current_app.extensions["shuyuan"]


def _help_url(name: str) -> str:
    return f"{request.host_url.rstrip('/')}/api/3/action/help_show?name={name}"


def envelope(name: str, body: dict[str, Any], status: int) -> Response:
    payload = {"help": _help_url(name), **body}
    try:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate got through (echoed in a message): \\uXXXX escapes are valid JSON.
        data = json.dumps(payload, ensure_ascii=True).encode("ascii")
    return Response(data, status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-cache"})


def error_response(name: str, error: ActionError) -> Response:
    response = envelope(name, {"success": False, "error": error.as_error_dict()},
                        error.status)
    retry_after = getattr(error, "retry_after", None)  # TooManyRequests
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


def api_token() -> str:
    token = request.headers.get("Authorization", "") or request.headers.get("X-CKAN-API-Key", "")
    if token.lower().startswith("bearer "):
        token = token[7:]
    return token.strip()


def current_caller() -> Caller | None:
    """The caller named by the API token; a token that matches no one is refused."""
    token = api_token()
    if not token:
        return None  # the API never trusts cookies, so no cross-site request forgery
    looked_up = g.get("token_caller")  # by the rate limiter, earlier in this request
    caller = looked_up[1] if looked_up and looked_up[0] == token else (
        portal().caller_by_token(token))
    if caller is None:
        raise NotAuthorized("The API token is not valid (it may have been revoked)")
    return caller


def _params() -> dict[str, Any]:
    if request.method == "GET":
        return {k: v for k, v in request.args.items()}
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        params: dict[str, Any] = {k: v for k, v in request.form.items()}
        for key, storage in request.files.items():
            if isinstance(storage, FileStorage) and storage.filename:
                params[key] = Upload(storage.filename, storage.stream)
        return params
    raw = _json_text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: the body could not be read as JSON ({exc})") from None
    except RecursionError:
        # The parser recurses once per level: past ~1000 it gives up; no action needs that.
        raise BadRequest(f"JSON Error: the body is nested more than {MAX_DEPTH} levels deep") \
            from None
    if not isinstance(body, dict):
        raise BadRequest("JSON Error: the body must be a JSON object")
    if text_problem(body) == TOO_DEEP:
        raise BadRequest(f"JSON Error: the body is nested more than {MAX_DEPTH} levels deep")
    return body  # a lone surrogate is the validation layer's 409, naming the field


def _json_text() -> bytes:
    """The body, up to `api.max_body_bytes` (uploads are multipart: storage.max_upload_bytes)."""
    limit = int(portal().settings.get("api", "max_body_bytes", DEFAULT_MAX_BODY_BYTES))
    too_large = BadRequest(f"JSON Error: the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:  # no Content-Length (chunked): counted while reading
        raise too_large
    return raw


@bp.route("/api/3", methods=["GET"])
@bp.route("/api", methods=["GET"])
def api_version() -> Response:
    # CKAN clients read `version`; the OpenAPI link is named in the body and, for
    # tools, as RFC 8631's service-desc.
    return Response(json.dumps({"version": 3, "openapi": OPENAPI_URL}),
                    mimetype="application/json",
                    headers={"Link": f'<{OPENAPI_URL}>; rel="service-desc"'})


@bp.route(OPENAPI_URL, methods=["GET"])
def openapi_document() -> Response:
    cache = current_app.extensions.setdefault("shuyuan.openapi", {})
    if "json" not in cache:  # the registry is fixed once the portal is built
        docs = openapi.action_docs(portal_settings.PROJECT_ROOT / "docs" / "api.md")
        cache["json"] = json.dumps(openapi.document(portal().actions, docs),
                                   ensure_ascii=False)
    return Response(cache["json"], mimetype="application/json")


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>", methods=["GET", "POST"])
def call(name: str) -> Response:
    p = portal()
    spec = p.actions.get(name)
    try:
        if spec is None:
            raise UnknownAction(f"action {name} does not exist")
        if request.method == "GET" and not spec.read_only:
            raise BadRequest(f"{name} changes data: call it with POST")
        params = _params()
        result = p.call(name, params, user=current_caller())
        return envelope(name, {"success": True, "result": result}, 200)
    except ActionError as exc:
        return error_response(name, exc)
    except RequestEntityTooLarge:
        if request.mimetype != "multipart/form-data":
            return error_response(name, BadRequest("the body is larger than the server takes"))
        limit = p.settings.get("storage", "max_upload_bytes")
        return error_response(name, ValidationError(
            {"upload": [f"File is larger than the upload limit of {limit} bytes"]}))
    except (UnicodeError, RecursionError) as exc:
        # Input the checks before the action missed (a lone surrogate or deep nesting in
        # JSON text an action decoded itself): still the caller's input, not a server fault.
        log.warning("unreadable input to %s: %r", name, exc)
        return error_response(name, BadRequest(
            "the request holds text that is not valid Unicode or is nested too deeply"))
    except (IntegrityError, DataError) as exc:
        log.warning("database refused %s: %s", name, exc.orig)
        return error_response(name, ValidationError(
            {"__db": ["The database refused the values given (a duplicate or a value out of range)"]}))
    except Exception:
        # A bug, not bad input; still answer in the envelope CKAN clients parse
        # (ckanapi reads `error` from any status) instead of Flask's HTML page.
        # ActionError itself is "Internal Error", 500.
        log.exception("action %s failed", name)
        return error_response(name, ActionError("the server could not complete the action"))
