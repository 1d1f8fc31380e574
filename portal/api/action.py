"""The CKAN Action API: /api/3/action/NAME and /api/action/NAME.

This module only turns HTTP into (name, params, caller) and results or errors
into CKAN's envelopes; the work is done by the actions. Error types map to
HTTP statuses in one place (ActionError.status).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, json, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from portal.actions.resources import Upload
from portal.core.context import Caller
from portal.core.errors import (
    ActionError,
    BadRequest,
    NotAuthorized,
    UnknownAction,
    ValidationError,
)
from portal.services import Portal

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__)


def portal() -> Portal:
    return current_app.extensions["shuyuan"]


def _help_url(name: str) -> str:
    return f"{request.host_url.rstrip('/')}/api/3/action/help_show?name={name}"


def envelope(name: str, body: dict[str, Any], status: int) -> Response:
    payload = {"help": _help_url(name), **body}
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    mimetype="application/json", headers={"Cache-Control": "no-cache"})


def error_response(name: str, error: ActionError) -> Response:
    return envelope(name, {"success": False, "error": error.as_error_dict()}, error.status)


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
    caller = portal().caller_by_token(token)
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
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: the body could not be read as JSON ({exc})") from None
    except RecursionError:
        # The parser recurses once per level: past ~1000 it gives up; no action needs that.
        raise BadRequest("JSON Error: the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("JSON Error: the body must be a JSON object")
    return body


@bp.route("/api/3", methods=["GET"])
@bp.route("/api", methods=["GET"])
def api_version() -> Response:
    return Response(json.dumps({"version": 3}), mimetype="application/json")


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
    except ActionError as exc:
        return error_response(name, exc)
    except RequestEntityTooLarge:
        limit = p.settings.get("storage", "max_upload_bytes")
        return error_response(name, ValidationError(
            {"upload": [f"File is larger than the upload limit of {limit} bytes"]}))
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
    return envelope(name, {"success": True, "result": result}, 200)
