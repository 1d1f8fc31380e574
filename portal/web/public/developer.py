"""The API's front door: the 开发者 page and a server-rendered reading of the OpenAPI document.

Both pages are generated from the action registry (portal/actions/registry.py) and the
OpenAPI document built from it (portal/api/openapi.py), so they cannot drift from what
the API answers. No script: the OpenAPI rendering is plain HTML.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from portal.api import openapi
from portal.api.action import OPENAPI_URL, error_response
from portal.core.errors import UnknownAction
from portal.settings import PROJECT_ROOT

bp = Blueprint("developer", __name__)


def _actions() -> list[dict[str, Any]]:
    """Each registered action: its name, one-line doc and whether it only reads."""
    registry = current_app.extensions["shuyuan"].actions
    return [{"name": name, "summary": first_sentence(spec.doc), "read_only": spec.read_only}
            for name, spec in sorted(registry.items())]


def first_sentence(doc: str) -> str:
    """A docstring's first sentence (its lines are wrapped, so the first line may stop
    mid-phrase)."""
    paragraph = " ".join((doc.strip().split("\n\n") or [""])[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[:end + 1]


def _document() -> dict[str, Any]:
    cache = current_app.extensions.setdefault("shuyuan.developer", {})
    if "doc" not in cache:  # the registry is fixed once the portal is built
        docs = openapi.action_docs(PROJECT_ROOT / "docs" / "api.md")
        cache["doc"] = openapi.document(current_app.extensions["shuyuan"].actions, docs)
    return dict(cache["doc"])


@bp.route("/developer")
def index() -> str:
    base = request.host_url.rstrip("/")
    sql_enabled = bool(current_app.extensions["shuyuan"].settings.get(
        "datastore", "sql_enabled", False))
    return render_template("developer/index.html", base=base, actions=_actions(),
                           openapi_url=OPENAPI_URL, sql_enabled=sql_enabled)


@bp.route("/developer/openapi")
def openapi_reading() -> str:
    doc = _document()
    operations = []
    for path, item in doc["paths"].items():
        post = item["post"]
        body = post["requestBody"]["content"]["application/json"]["schema"]
        operations.append({
            "name": path.rsplit("/", 1)[-1], "path": path, "summary": post["summary"],
            "description": post["description"], "methods": sorted(m.upper() for m in item),
            "required": set(body.get("required", [])),
            "fields": [(key, json.dumps(schema, ensure_ascii=False))
                       for key, schema in body.get("properties", {}).items()],
        })
    return render_template("developer/openapi.html", info=doc["info"],
                           operations=operations, openapi_url=OPENAPI_URL)


@bp.route("/api/3/action/", methods=["GET", "POST"])
@bp.route("/api/3/action", methods=["GET", "POST"])
@bp.route("/api/action/", methods=["GET", "POST"])
@bp.route("/api/action", methods=["GET", "POST"])
def action_root() -> Response:
    """The footer's /api/3/action/: a browser is sent to the developer page; a client gets
    what CKAN answers a call that names no action (400, "Action name not known")."""
    wanted = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if request.method == "GET" and wanted == "text/html":
        return redirect(url_for("developer.index"))
    return error_response("", UnknownAction(
        f"no action named: call /api/3/action/NAME; the actions are described at {OPENAPI_URL}"))
