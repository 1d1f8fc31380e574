"""Parsing CKAN's package_search parameters (q, fq, sort, facet.field)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from portal.actions.errors import SearchQueryError

# fq / q fields a client may filter on, and the facet fields we can count.
FILTER_FIELDS = (
    "organization", "tags", "res_format", "groups", "open_type", "share_type",
    "classification", "update_period", "license_id", "grading", "name", "resource_code",
    "dataset_type", "owner_org", "publication_state",
)
FACET_FIELDS = (
    "organization", "tags", "res_format", "groups", "license_id", "open_type", "share_type",
    "classification", "update_period", "grading",
)
DEFAULT_FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
SORTS = {
    "score": "score", "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created", "title_string": "title", "name": "name",
    "title": "title",
}

_TOKEN = re.compile(r'([+-]?)([A-Za-z_]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)|([+-]?)("[^"]*"|\S+)')


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    excluded_terms: list[str] = field(default_factory=list)
    filters: list[tuple[str, str]] = field(default_factory=list)
    excluded_filters: list[tuple[str, str]] = field(default_factory=list)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def parse(q: str, fq: str) -> ParsedQuery:
    parsed = ParsedQuery()
    for text, is_fq in ((q, False), (fq, True)):
        if text.count('"') % 2:
            raise SearchQueryError(f"Unbalanced quotes in {'fq' if is_fq else 'q'}: {text!r}")
        for match in _TOKEN.finditer(text or ""):
            sign, fname, fvalue, tsign, term = match.groups()
            if fname:
                if fname == "*" or (fname, fvalue) == ("*", "*"):
                    continue
                if fname not in FILTER_FIELDS:
                    if is_fq:
                        raise SearchQueryError(f"Unknown field in fq: {fname}")
                    # In q, "http://..." or "时间:2024" is text to find, not a field.
                    term_list = parsed.excluded_terms if sign == "-" else parsed.terms
                    term_list.append(f"{fname}:{_unquote(fvalue)}")
                    continue
                target = parsed.excluded_filters if sign == "-" else parsed.filters
                target.append((fname, _unquote(fvalue)))
            elif term:
                if term in ("*:*", "*", "AND", "&&"):
                    continue
                if is_fq:
                    raise SearchQueryError(f"fq needs field:value pairs, got {term!r}")
                value = _unquote(term)
                if tsign == "-" or term == "NOT":
                    if term != "NOT":
                        parsed.excluded_terms.append(value)
                    continue
                if term in ("OR", "||"):
                    continue
                parsed.terms.append(value)
    return parsed


def facet_fields(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return list(DEFAULT_FACETS)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SearchQueryError("facet.field must be a JSON list of field names") from None
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise SearchQueryError("facet.field must be a list of field names")
    unknown = [f for f in raw if f not in FACET_FIELDS]
    if unknown:
        raise SearchQueryError(f"Cannot facet on: {', '.join(unknown)}")
    return raw


def sort_spec(raw: str) -> list[tuple[str, bool]]:
    """'score desc, metadata_modified desc' -> [('score', True), ('metadata_modified', True)]."""
    spec = []
    for part in (raw or "score desc, metadata_modified desc").split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or bits[0] not in SORTS or (len(bits) == 2 and bits[1] not in ("asc", "desc")):
            raise SearchQueryError(f"Cannot sort by {part.strip()!r}")
        spec.append((SORTS[bits[0]], len(bits) == 1 or bits[1] == "desc"))
    return spec
