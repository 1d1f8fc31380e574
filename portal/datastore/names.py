"""Field ids and column types of datastore tables.

A field id is the column's name in SQL, so what clients filter, sort and
write SQL against. Ids come from file headers (Chinese more often than not),
so they are kept as they are, with three limits:

- at most 63 bytes of UTF-8 (PostgreSQL's identifier limit: 21 Chinese
  characters). A longer header is cut at a character boundary and the full
  header is kept as the field's `info.label`;
- no leading underscore: `_id` and other `_` names are the datastore's own
  (as in CKAN);
- unique regardless of case, since SQLite compares column names that way.
"""

from __future__ import annotations

import re

# Logical column types, as shown in `fields` and stored in DatastoreTable.fields.
TYPES = ("text", "integer", "numeric", "date", "timestamp")

# What datastore_create accepts for each type (CKAN clients send PostgreSQL names).
TYPE_ALIASES: dict[str, str] = {
    "text": "text", "string": "text", "varchar": "text", "str": "text",
    "integer": "integer", "int": "integer", "int4": "integer", "int8": "integer",
    "int2": "integer", "bigint": "integer", "smallint": "integer",
    "numeric": "numeric", "number": "numeric", "float": "numeric", "float8": "numeric",
    "float4": "numeric", "double": "numeric", "double precision": "numeric",
    "real": "numeric", "decimal": "numeric",
    "date": "date",
    "timestamp": "timestamp", "datetime": "timestamp",
    "timestamp without time zone": "timestamp",
}

# desensitize.tables.types' inferred types -> our column types.
FROM_INFERRED = {"integer": "integer", "number": "numeric", "date": "date",
                 "datetime": "timestamp", "text": "text"}

ID_FIELD = "_id"
MAX_ID_BYTES = 63
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def quote(name: str) -> str:
    """A double-quoted SQL identifier (quotes inside doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _fit(name: str) -> str:
    data = name.encode("utf-8")
    if len(data) <= MAX_ID_BYTES:
        return name
    return data[:MAX_ID_BYTES].decode("utf-8", "ignore").rstrip()


def field_ids(headers: list[str]) -> list[str]:
    """Headers -> unique field ids within the limits above (same order, same length)."""
    ids: list[str] = []
    taken = {ID_FIELD}
    for position, header in enumerate(headers, start=1):
        base = _fit(_CONTROL.sub("", header).strip().lstrip("_").strip()) or f"column_{position}"
        name, suffix = base, 1
        while name.casefold() in taken:
            suffix += 1
            tail = f"_{suffix}"
            name = _fit(base[: max(1, len(base) - len(tail))]) + tail
            name = name if len(name.encode("utf-8")) <= MAX_ID_BYTES else f"column_{position}"
        taken.add(name.casefold())
        ids.append(name)
    return ids


def field_id_problem(name: object) -> str | None:
    """Why a field id sent by a client cannot be used, or None."""
    if not isinstance(name, str) or not name.strip():
        return "a field id must be a non-empty string"
    if name != name.strip():
        return f"field id {name!r} must not start or end with spaces"
    if name.startswith("_"):
        return f"field id {name!r} must not start with an underscore (reserved)"
    if _CONTROL.search(name):
        return f"field id {name!r} must not contain control characters"
    if len(name.encode("utf-8")) > MAX_ID_BYTES:
        return f"field id {name!r} is longer than {MAX_ID_BYTES} bytes"
    return None


def normal_type(name: object) -> str | None:
    """A client's type name -> one of TYPES (None when not supported)."""
    if not isinstance(name, str):
        return None
    return TYPE_ALIASES.get(" ".join(name.lower().split()))
