"""The catalog entry schema: CKAN fields plus the national catalog elements, derived
from the element table (core/catalog_elements.py).

Cross-field rules (Art. 25): a conditional or no-share entry states its legal
basis; conditional share/open types state their condition; core-graded data
never opens.
"""

from __future__ import annotations

from typing import Any

from portal.core.catalog_elements import ELEMENTS
from portal.core.errors import ValidationError
from portal.core.validation import json_object, validate

PACKAGE_SCHEMA = {e.key: list(e.validators) for e in ELEMENTS}


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
