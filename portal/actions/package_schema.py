"""The catalog entry schema: CKAN fields plus the national catalog elements.

Cross-field rules (Art. 25): a conditional or no-share entry states its legal
basis; conditional share/open types state their condition; core-graded data
never opens.
"""

from __future__ import annotations

import re
from typing import Any

from portal.core.errors import ValidationError
from portal.core.validation import (
    Invalid,
    boolean,
    default,
    iso_date,
    json_list,
    json_object,
    link,
    list_of_strings,
    one_of,
    optional,
    required,
    slug,
    string,
    validate,
)
from portal.models.catalog import (
    CLASSIFICATIONS,
    GRADINGS,
    OPEN_TYPES,
    SHARE_METHODS,
    SHARE_TYPES,
    UPDATE_PERIODS,
)

RESOURCE_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/._-]{0,63}$")
DATA_ITEM_TYPES = ("text", "integer", "number", "date", "datetime", "boolean", "binary")


def resource_code(value: Any) -> str:
    if not isinstance(value, str) or not RESOURCE_CODE_RE.match(value.strip()):
        raise Invalid("Must be 1-64 characters: letters, digits, '/', '.', '_' or '-'")
    return value.strip()


def data_items(value: Any) -> list[dict[str, Any]]:
    items = json_list(value)
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise Invalid(f"Item {i} must be an object with name, type, description, personal")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Invalid(f"Item {i} needs a name")
        kind = item.get("type") or "text"
        if kind not in DATA_ITEM_TYPES:
            raise Invalid(f"Item {i} ({name}): type must be one of {', '.join(DATA_ITEM_TYPES)}")
        personal = item.get("personal", False)
        try:
            personal = boolean(personal)
        except Invalid:
            raise Invalid(f"Item {i} ({name}): personal must be true or false") from None
        desc = item.get("description") or ""
        if not isinstance(desc, str):
            raise Invalid(f"Item {i} ({name}): description must be a string")
        try:
            public = boolean(item.get("public_by_law", False))
        except Invalid:
            raise Invalid(f"Item {i} ({name}): public_by_law must be true or false") from None
        basis = item.get("legal_basis") or ""
        if not isinstance(basis, str):
            raise Invalid(f"Item {i} ({name}): legal_basis must be a string")
        if public and personal:
            raise Invalid(f"Item {i} ({name}): an item cannot be both personal and "
                          "public by law")
        if public and not basis.strip():
            raise Invalid(f"Item {i} ({name}): public_by_law needs a legal_basis (the law "
                          "that makes it public)")
        # `confirmed` (a reviewer's, desensitize.declared) is never taken from the caller:
        # publication_item_confirm sets it and package updates carry it over.
        out.append({"name": name.strip(), "type": kind, "description": desc.strip(),
                    "personal": personal, "public_by_law": public,
                    "legal_basis": basis.strip() if public else ""})
    return out


CONFIRMATION_KEYS = ("confirmed", "confirmed_reason", "confirmed_by", "confirmed_at")


def carry_confirmations(old: list[dict[str, Any]], new: list[dict[str, Any]]
                        ) -> list[dict[str, Any]]:
    """A reviewer's confirmation stays with an item while its name and flags do not
    change; an item the department re-declares has to be confirmed again."""
    def flags(item: dict[str, Any]) -> tuple[Any, ...]:
        return (item.get("name"), bool(item.get("personal")), bool(item.get("public_by_law")))

    confirmed = {flags(i): i for i in old or [] if i.get("confirmed")}
    out = []
    for item in new:
        before = confirmed.get(flags(item))
        if before is not None:
            item = {**item, **{k: before[k] for k in CONFIRMATION_KEYS if k in before}}
        out.append(item)
    return out


def tag_list(value: Any) -> list[str]:
    """Tags arrive as [{"name": ...}] (CKAN) or as strings."""
    items = json_list(value)
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise Invalid("Each tag needs a name")
        name = name.strip()
        if "\x00" in name:
            raise Invalid("Tags must not contain NUL characters")
        if len(name) > 100 or "," in name:
            raise Invalid(f"Tag {name[:20]!r}: at most 100 characters and no commas")
        names.append(name)
    return list(dict.fromkeys(names))


def ref_list(value: Any) -> list[tuple[str, ...]]:
    """Groups arrive as [{"name": ...}], [{"id": ...}] or both (package_show's shape).

    Each comes out as its candidate references, id first: a dump from another CKAN
    carries that site's group ids, and the group is then found here by its name.
    """
    refs = []
    for item in json_list(value):
        cands = (item.get("id"), item.get("name")) if isinstance(item, dict) else (item,)
        cands = tuple(c for c in cands if c)
        if not cands or not all(isinstance(c, str) and "\x00" not in c for c in cands):
            raise Invalid("Each group needs an id or a name")
        refs.append(cands)
    return refs


def extras(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    out = {}
    for item in json_list(value):
        if not isinstance(item, dict) or "key" not in item:
            raise Invalid("Extras are a list of {\"key\": ..., \"value\": ...}")
        if item.get("deleted"):
            continue
        out[str(item["key"])] = item.get("value", "")
    return out


PACKAGE_SCHEMA = {
    "id": [optional, string(36)],
    "name": [required, slug],
    "title": [required, string(300)],
    "notes": [required, string(20_000)],
    "url": [default(""), link(500)],
    "version": [default(""), string(100)],
    "author": [default(""), string(200)],
    "author_email": [default(""), string(200)],
    "maintainer": [default(""), string(200)],
    "maintainer_email": [default(""), string(200)],
    "license_id": [default("notspecified"), string(100)],
    "owner_org": [required, string(100)],
    "private": [default(False), boolean],
    "state": [optional, one_of(("active", "draft", "deleted"))],
    "publication_state": [optional, one_of(("draft", "pending", "published", "withdrawn"))],
    "type": [default("dataset"), string(32)],
    "tags": [default(list), tag_list],
    "tag_string": [optional, list_of_strings(100)],
    "groups": [default(list), ref_list],
    "extras": [default(dict), extras],
    "resources": [optional, json_list],
    # national catalog elements
    "resource_code": [required, resource_code],
    "classification": [required, one_of(CLASSIFICATIONS)],
    "category_path": [default(""), string(200)],
    "data_items": [default(list), data_items],
    "format": [default(""), string(100)],
    "update_period": [required, one_of(UPDATE_PERIODS)],
    "share_type": [required, one_of(SHARE_TYPES)],
    "share_condition": [default(""), string(5000)],
    "share_method": [default("api"), one_of(SHARE_METHODS)],
    "legal_basis": [default(""), string(5000)],
    "open_type": [required, one_of(OPEN_TYPES)],
    "open_condition": [default(""), string(5000)],
    "use_requirements": [default(""), string(5000)],
    "required_materials": [default(list), list_of_strings(500)],
    "grading": [default("general"), one_of(GRADINGS)],
    "issued": [optional, iso_date],
    "modified": [optional, iso_date],
    "spatial": [default(""), string(5000)],
    "temporal_start": [optional, iso_date],
    "temporal_end": [optional, iso_date],
}


def check_catalog_rules(clean: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if clean.get("share_type") in ("conditional", "none") and not clean.get("legal_basis"):
        errors["legal_basis"] = [
            "A conditional or no-share entry must state its legal basis (Art. 25)"
        ]
    if clean.get("share_type") == "conditional" and not clean.get("share_condition"):
        errors["share_condition"] = ["A conditionally shared entry must state its share condition"]
    if clean.get("open_type") == "conditional" and not clean.get("open_condition"):
        errors["open_condition"] = ["A conditionally open entry must state its open condition"]
    if clean.get("grading") == "core" and clean.get("open_type") != "none":
        errors["open_type"] = ["Data graded core is never opened: open_type must be none"]
    start, end = clean.get("temporal_start"), clean.get("temporal_end")
    if start and end and end < start:
        errors["temporal_end"] = ["Must not be before temporal_start"]
    if errors:
        raise ValidationError(errors)


def validate_package(params: dict[str, Any]) -> dict[str, Any]:
    clean = validate(params, PACKAGE_SCHEMA)
    if "tag_string" in clean:
        clean["tags"] = list(dict.fromkeys(clean["tags"] + clean.pop("tag_string")))
    check_catalog_rules(clean)
    return clean


__all__ = ["PACKAGE_SCHEMA", "json_object", "validate_package"]
