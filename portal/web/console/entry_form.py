"""The catalog-entry form: its fields, and the conversions form <-> action params.

The fields are the catalog-element table's (portal/core/catalog_elements.py FORM):
each fieldset with its elements, their widget, maxlength, pattern and coded values,
their English label and hint translated when the page is drawn. The browser checks
what HTML can say (required, pattern, maxlength) and package_create /
package_patch check the rest, their messages shown beside the fields. Data items
are numbered rows (data_items-3-name ...) so the editor works without script; a
little inline script only adds and removes rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.core.catalog_elements import FORM, Element
from portal.core.catalog_validators import DATA_ITEM_TYPES
from portal.core.errors import ValidationError
from portal.core.validation import validate


@dataclass(frozen=True)
class Field:
    """One input of the form, made from a catalog element."""

    name: str
    label: LazyString
    kind: str  # the element's widget: text, textarea, select, date, tags, lines, org, ...
    required: bool = False
    maxlength: int | None = None
    pattern: str | None = None
    choices: str | None = None  # a labels.MAPS kind for selects
    hint: LazyString | None = None


def preset(element: Element) -> str:
    """The code a select starts at on a new entry: the value the schema gives the
    element when none is sent (share method api, grading general, licence notspecified)."""
    if element.widget not in ("select", "licence"):
        return ""
    try:
        value = validate({}, {element.key: list(element.validators)}).get(element.key)
    except ValidationError:  # a required element has no default
        return ""
    return value if isinstance(value, str) else ""


def field(element: Element) -> Field:
    assert element.widget is not None
    # A coded value with a default is always one of its codes: its select offers no
    # empty choice. The licence list keeps one ("—" is saved as not specified).
    required = element.required or (element.widget == "select" and bool(preset(element)))
    return Field(element.key, _l(element.label), element.widget, required=required,
                 maxlength=element.maxlength, pattern=element.pattern, choices=element.choices,
                 hint=_l(element.hint) if element.hint else None)


FIELDSETS: list[tuple[LazyString, list[Field]]] = [
    (_l(legend), [field(e) for e in elements]) for legend, elements in FORM]

FIELDS: dict[str, Field] = {f.name: f for _legend, fields in FIELDSETS for f in fields}
# Sent as typed; the others are converted below.
PLAIN = tuple(name for name, f in FIELDS.items()
              if f.kind in ("text", "textarea", "select", "date", "org", "licence"))
DEFAULTS = {e.key: preset(e) for _legend, elements in FORM for e in elements if preset(e)}

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
