"""Validators of a catalog entry's elements that are more than a type and a length:
resource codes, data items, tags, group references and extras."""

from __future__ import annotations

import re
from typing import Any

from portal.core.validation import (
    Invalid,
    boolean,
    json_list,
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
