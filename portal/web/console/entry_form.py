"""The catalog-entry form: its fields, and the conversions form <-> action params.

Every national catalog element of portal/actions/package_schema.py has a field
here; the browser checks what HTML can say (required, pattern, maxlength) and
package_create / package_patch check the rest, their messages shown beside the
fields. Data items are numbered rows (data_items-3-name ...) so the editor works
without script; a little inline script only adds and removes rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.core.catalog_validators import DATA_ITEM_TYPES

# The same rules as package_schema's slug and resource_code (the HTML attribute's
# dialect: anchored by the browser, "/" and "-" escaped for the v flag).
NAME_PATTERN = r"[a-z0-9_\-]{2,100}"
RESOURCE_CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z\/._\-]{0,63}"


@dataclass(frozen=True)
class Field:
    name: str
    label: LazyString
    kind: str = "text"  # text, textarea, select, date, tags, lines, org, licence, items
    required: bool = False
    maxlength: int | None = None
    pattern: str | None = None
    choices: str | None = None  # a labels.MAPS kind for selects
    hint: LazyString | None = None


FIELDSETS: list[tuple[LazyString, list[Field]]] = [
    (_l("Basic information"), [
        Field("title", _l("Resource name"), required=True, maxlength=300),
        Field("name", _l("Name"), required=True, maxlength=100, pattern=NAME_PATTERN,
              hint=_l("Part of the address /dataset/…: 2–100 lowercase letters (a-z), "
                      "digits, “-” or “_”.")),
        Field("notes", _l("Summary"), kind="textarea", required=True, maxlength=20_000),
        Field("owner_org", _l("Provider"), kind="org", required=True),
        Field("resource_code", _l("Resource code"), required=True, maxlength=64,
              pattern=RESOURCE_CODE_PATTERN,
              hint=_l("Letters, digits, “/”, “.”, “_” or “-”, e.g. 341324-JY-0001.")),
        Field("classification", _l("Classification"), kind="select", required=True,
              choices="classification"),
        Field("category_path", _l("Category"), maxlength=200,
              hint=_l("Class / item / subitem, separated by “/”.")),
        Field("tags", _l("Tags"), kind="tags", hint=_l("Separate tags with commas.")),
        Field("license_id", _l("Licence"), kind="licence"),
    ]),
    (_l("Content"), [
        Field("data_items", _l("Data items"), kind="items"),
        Field("format", _l("Data format"), maxlength=100, hint=_l("e.g. CSV, XLSX, API")),
        Field("update_period", _l("Update period"), kind="select", required=True,
              choices="update_period"),
        Field("grading", _l("Grading"), kind="select", required=True, choices="grading",
              hint=_l("Core data is never opened.")),
        Field("issued", _l("Issued"), kind="date"),
        Field("spatial", _l("Spatial coverage"), maxlength=5000),
        Field("temporal_start", _l("Coverage starts"), kind="date"),
        Field("temporal_end", _l("Coverage ends"), kind="date"),
    ]),
    (_l("Sharing between departments"), [
        Field("share_type", _l("Share type"), kind="select", required=True,
              choices="share_type"),
        Field("share_condition", _l("Share condition"), kind="textarea", maxlength=5000,
              hint=_l("Required for conditional sharing.")),
        Field("share_method", _l("Share method"), kind="select", required=True,
              choices="share_method"),
        Field("legal_basis", _l("Legal basis"), kind="textarea", maxlength=5000,
              hint=_l("Required unless shared unconditionally (Art. 25).")),
    ]),
    (_l("Opening to the public"), [
        Field("open_type", _l("Open type"), kind="select", required=True, choices="open_type"),
        Field("open_condition", _l("Open condition"), kind="textarea", maxlength=5000,
              hint=_l("Required for conditional opening.")),
        Field("use_requirements", _l("Use requirements"), kind="textarea", maxlength=5000),
        Field("required_materials", _l("Required materials"), kind="lines",
              hint=_l("One per line.")),
    ]),
]

FIELDS: dict[str, Field] = {f.name: f for _legend, fields in FIELDSETS for f in fields}
# Sent as typed; the others are converted below.
PLAIN = tuple(name for name, f in FIELDS.items()
              if f.kind in ("text", "textarea", "select", "date", "org", "licence"))
DEFAULTS = {"share_method": "api", "grading": "general", "license_id": "notspecified"}

ITEM_KEY = re.compile(
    r"^data_items-(\d{1,4})-(name|type|description|personal|public_by_law|legal_basis)$")
ITEM_FLAGS = ("personal", "public_by_law")
ITEM_TYPES = DATA_ITEM_TYPES
MAX_ITEMS = 500
BLANK_ROWS = 2
TAG_SEPARATORS = re.compile(r"[,，、;；\n]")


def blank_item() -> dict[str, Any]:
    return {"name": "", "type": "text", "description": "", "personal": False,
            "public_by_law": False, "legal_basis": ""}


def item_rows(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The data-item rows as numbered, in order; rows left wholly blank are dropped, so
    "Item 3" in an action's message is the third row shown again."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items(multi=True):
        match = ITEM_KEY.match(key)
        if match:
            row = rows.setdefault(int(match.group(1)), blank_item())
            field = match.group(2)
            row[field] = bool(value) if field in ITEM_FLAGS else value.strip()
    items = [rows[i] for i in sorted(rows)][:MAX_ITEMS]
    return [r for r in items if r["name"] or r["description"]]


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in TAG_SEPARATORS.split(text) if t.strip()]


def to_params(form: MultiDict[str, str]) -> dict[str, Any]:
    """The action params of a posted form. Every field is sent, empty ones too: on
    package_patch an empty date or text clears it instead of keeping the old value."""
    params: dict[str, Any] = {name: form.get(name, "").strip() for name in PLAIN}
    params["tags"] = [{"name": t} for t in split_tags(form.get("tags", ""))]
    params["required_materials"] = [line.strip() for line in
                                    form.get("required_materials", "").splitlines()
                                    if line.strip()]
    params["data_items"] = [{**row, "type": row["type"] or "text"} for row in item_rows(form)]
    return params


def from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the visitor typed, to show again beside the errors."""
    values: dict[str, Any] = {name: form.get(name, "") for name in PLAIN}
    values["tags"] = form.get("tags", "")
    values["required_materials"] = form.get("required_materials", "")
    values["data_items"] = item_rows(form)
    return values


def from_package(pkg: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's current values in the form's shape."""
    values: dict[str, Any] = {name: "" if pkg.get(name) is None else str(pkg[name])
                              for name in PLAIN}
    values["tags"] = ", ".join(t["name"] for t in pkg.get("tags") or [])
    values["required_materials"] = "\n".join(pkg.get("required_materials") or [])
    values["data_items"] = [{**blank_item(), **item} for item in pkg.get("data_items") or []]
    return values


def new_values(owner_org: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {name: DEFAULTS.get(name, "") for name in PLAIN}
    values.update(owner_org=owner_org, tags="", required_materials="", data_items=[])
    return values


def rows_to_show(values: Mapping[str, Any], extra: int = BLANK_ROWS) -> list[dict[str, Any]]:
    return list(values.get("data_items") or []) + [blank_item() for _ in range(extra)]
