"""The OpenAPI 3.1 description of the Action API, served at /api/3/openapi.json.

Generated, never written by hand: one path per registered action (the registry,
portal/actions/registry.py), its parameters from the action's declared schema (each
validator states what it accepts, portal/core/validation.py `describe`; a field is
required when its chain refuses a missing value), its text from docs/api.md's
`### name` section (or the action's docstring). Read actions take GET with a query
string and POST; write actions POST only, as portal/api/action.py answers them.
Every answer is CKAN's envelope: {help, success: true, result} or
{help, success: false, error: {__type, message, field: [...]}}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from portal import __version__
from portal.actions.registry import ActionSpec
from portal.core.validation import (
    MISSING,
    Check,
    FromContext,
    Invalid,
    StopChain,
    json_schema_of,
)

OPENAPI_VERSION = "3.1.0"
ACTION_PATH = "/api/3/action/{name}"
# Types a query string or a form field carries as they are; lists and objects travel
# there as JSON text (json_list / json_object read it).
_SCALAR_TYPES = ("string", "integer", "number", "boolean")
_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)

ERROR_STATUSES = {
    "400": "Bad request: an unknown action, a body that is not a JSON object (or too large "
           "or too deeply nested), a write action called with GET, a malformed q/fq",
    "403": "Authorization Error: the caller may not do this (or the token is not valid)",
    "404": "Not Found Error: an unknown id or name (or one the caller may not see)",
    "409": "Validation Error: each bad field is a key holding a list of messages",
}

COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Success": {
            "type": "object",
            "required": ["help", "success", "result"],
            "properties": {
                "help": {"type": "string", "description": "help_show's URL for the action"},
                "success": {"const": True},
                "result": {"description": "What the action returns"},
            },
        },
        "Failure": {
            "type": "object",
            "required": ["help", "success", "error"],
            "properties": {
                "help": {"type": "string"},
                "success": {"const": False},
                "error": {
                    "type": "object",
                    "required": ["__type", "message"],
                    "properties": {
                        "__type": {"type": "string",
                                   "examples": ["Validation Error", "Not Found Error"]},
                        "message": {"type": "string"},
                    },
                    "additionalProperties": {"type": "array", "items": {"type": "string"},
                                             "description": "A field's messages"},
                },
            },
        },
    },
    "securitySchemes": {
        "apiToken": {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "An API token (api_token_create); X-CKAN-API-Key is read too",
        },
    },
}


def is_required(chain: Sequence[Check]) -> bool:
    """Whether the chain refuses a missing value: run it on MISSING and see."""
    value = MISSING
    for check in chain:
        if isinstance(check, FromContext):
            return False  # it fills the value from the caller's context (a default)
        try:
            value = check(value)
        except StopChain:
            return False
        except Invalid:
            return True
        except Exception:  # a validator that cannot read MISSING at all: not a default
            return False
    return False


def field_schema(chain: Sequence[Check]) -> dict[str, Any]:
    """The JSON Schema of one field: what its validators declared, later ones refining."""
    schema: dict[str, Any] = {}
    for check in chain:
        if not isinstance(check, FromContext):
            schema.update(json_schema_of(check))
    return schema


def flat_schema(chain: Sequence[Check]) -> dict[str, Any]:
    """A field as a query string or a form sends it: a scalar, or JSON text."""
    schema = field_schema(chain)
    if schema.get("type") in _SCALAR_TYPES or "enum" in schema:
        return schema
    kind = schema.get("type")
    note = f"JSON text of {'an' if kind == 'array' else 'a'} {kind}" if kind else "text"
    return {"type": "string", "description": note}


def action_docs(path: Path) -> dict[str, str]:
    """docs/api.md's `### action_name` sections, by name ({} when the file is absent)."""
    if not path.is_file():
        return {}
    docs: dict[str, str] = {}
    for block in re.split(r"^### ", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        name, _, text = block.partition("\n")
        heading = _HEADING.search(text)
        docs[name.strip()] = (text[:heading.start()] if heading else text).strip()
    return docs


def _shared_responses() -> dict[str, Any]:
    failure = {"application/json": {"schema": {"$ref": "#/components/schemas/Failure"}}}
    responses: dict[str, Any] = {
        "Success": {"description": "The action's result in CKAN's envelope",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Success"}}}},
        "Refusal": {"description": "Any other refusal, in CKAN's error envelope",
                    "content": failure},
    }
    for status, text in ERROR_STATUSES.items():
        responses[f"Status{status}"] = {"description": text, "content": failure}
    return responses


COMPONENTS["responses"] = _shared_responses()
# Every operation answers the same envelopes: named once in components.
RESPONSES: dict[str, Any] = {
    "200": {"$ref": "#/components/responses/Success"},
    **{status: {"$ref": f"#/components/responses/Status{status}"} for status in ERROR_STATUSES},
    "default": {"$ref": "#/components/responses/Refusal"},
}


def _object(properties: Mapping[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = required
    return schema


def operations(spec: ActionSpec, doc: str) -> dict[str, Any]:
    """The path item of one action: GET (read actions) and POST."""
    required = [key for key, chain in spec.schema.items() if is_required(chain)]
    json_body = _object({k: field_schema(c) for k, c in spec.schema.items()}, required)
    form = _object({k: flat_schema(c) for k, c in spec.schema.items()}, required)
    content: dict[str, Any] = {"application/json": {"schema": json_body},
                               "application/x-www-form-urlencoded": {"schema": form}}
    if "upload" in spec.schema:
        multipart = _object({**form["properties"],
                             "upload": {"type": "string", "format": "binary"}}, required)
        content["multipart/form-data"] = {"schema": multipart}
    summary = (spec.doc.splitlines() or [spec.name])[0]
    common = {
        "summary": summary[:200],
        "description": doc or spec.doc,
        "tags": [spec.func.__module__.rsplit(".", 1)[-1]],
        "responses": RESPONSES,
    }
    item: dict[str, Any] = {
        "post": {**common, "operationId": f"{spec.name}_post",
                 "requestBody": {"required": bool(required), "content": content}},
    }
    if spec.read_only:
        item["get"] = {
            **common, "operationId": f"{spec.name}_get",
            "parameters": [{"name": key, "in": "query", "required": key in required,
                            "schema": flat_schema(chain)}
                           for key, chain in spec.schema.items()],
        }
    return item


def document(actions: Mapping[str, ActionSpec], docs: Mapping[str, str]) -> dict[str, Any]:
    """The whole OpenAPI document for `actions` (the registry), with `docs` by name."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Shuyuan (数源) CKAN Action API",
            "version": __version__,
            "description": "CKAN's Action API (level 3). Generated from the action registry "
                           "and the actions' declared parameters; see docs/api.md.",
        },
        "paths": {ACTION_PATH.replace("{name}", name): operations(spec, docs.get(name, ""))
                  for name, spec in sorted(actions.items())},
        "components": COMPONENTS,
        # Anonymous calls are allowed; an action that needs a caller answers 403.
        "security": [{}, {"apiToken": []}],
    }
