"""datastore_search: CKAN's parameters in, CKAN's result shape out (the read path).

Parameters: resource_id, filters ({field: value or [values]}), q (text
searched in every field, or {field: text}), distinct, fields, sort
("f1 desc, f2"), limit (default 100, capped at datastore.search_rows_max),
offset, include_total, records_format (objects | lists | csv | tsv). Every
field named must exist (a 409 names it); filter values are converted to the
field's type first (a 409 says which does not fit). SQL is built from quoted
identifiers and bound parameters only.

Bounds (`SearchLimits`, from the datastore settings), so that no input builds a
statement the database cannot take ("Expression tree is too large", too many
variables) or that runs for long: q at most `q_terms_max` words and `q_chars_max`
characters (per field when q is an object), at most FILTER_VALUES_MAX filter values,
offset at most OFFSET_MAX; beyond them a 409 names the parameter.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from portal.core.errors import ValidationError
from portal.core.validation import Invalid, boolean, integer, text_problem
from portal.datastore import TableMeta
from portal.datastore.backends import Db
from portal.datastore.names import ID_FIELD
from portal.datastore.values import output, to_column

FORMATS = ("objects", "lists", "csv", "tsv")
DEFAULT_LIMIT = 100
FILTER_VALUES_MAX = 1000
OFFSET_MAX = 2**53  # past any table; a larger number overflows the database's integer


@dataclass(frozen=True)
class SearchLimits:
    q_terms_max: int = 100
    q_chars_max: int = 1000


@dataclass
class Search:
    """A validated datastore_search, ready to become SQL."""

    meta: TableMeta
    fields: list[str]
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    distinct: bool = False
    include_total: bool = True
    records_format: str = "objects"


def _json(value: Any, key: str) -> Any:
    """GET requests carry filters and q as JSON text."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." thousands deep
            raise ValidationError({key: ["Could not read it as JSON"]}) from None
        if problem := text_problem(value):  # a lone surrogate, as a JSON body is checked
            raise ValidationError({key: [problem]})
    return value


def _types(meta: TableMeta) -> dict[str, str]:
    return {ID_FIELD: "integer", **{c.id: c.type for c in meta.columns}}


def _unknown(key: str, names: list[str], types: dict[str, str]) -> None:
    missing = [n for n in names if n not in types]
    if missing:
        shown = ", ".join(f'"{n}"' for n in missing)
        raise ValidationError({key: [f"field {shown} not in the table" if len(missing) == 1
                                     else f"fields {shown} not in the table"]})


def parse_fields(value: Any, meta: TableMeta, distinct: bool) -> list[str]:
    types = _types(meta)
    if value in (None, "", []):
        return meta.ids if distinct else [ID_FIELD, *meta.ids]
    value = _json(value, "fields")
    if isinstance(value, str):
        names = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = list(value)
    else:
        raise ValidationError({"fields": ["Must be a list of field ids or a comma-separated "
                                          "string"]})
    _unknown("fields", names, types)
    return list(dict.fromkeys(names))


def _split_sort(text: str) -> list[str]:
    """Split at commas outside double quotes."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_sort(value: Any, meta: TableMeta) -> list[tuple[str, bool]]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else _split_sort(str(value))
    out = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError({"sort": ["Must be a string like \"field desc, field2\""]})
        name, descending = item.strip(), False
        lowered = name.lower()
        for suffix, desc in ((" desc", True), (" asc", False)):
            if lowered.endswith(suffix):
                name, descending = name[: -len(suffix)].strip(), desc
                break
        if len(name) > 1 and name.startswith('"') and name.endswith('"'):
            name = name[1:-1].replace('""', '"')
        out.append((name, descending))
    _unknown("sort", [n for n, _ in out], _types(meta))
    return out


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def add_filters(search: Search, db: Db, filters: Any) -> None:
    filters = _json(filters, "filters")
    if filters in (None, ""):
        return
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Must be an object: {\"field\": value or [values]}"]})
    types = _types(search.meta)
    _unknown("filters", list(filters), types)
    count = sum(len(v) if isinstance(v, list) else 1 for v in filters.values())
    if count > FILTER_VALUES_MAX:
        raise ValidationError({"filters": [f"At most {FILTER_VALUES_MAX} values in all, not "
                                           f"{count}"]})
    b = db.backend
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        try:
            converted = [to_column(types[name], v) for v in values]
        except ValueError as exc:
            raise ValidationError({"filters": [f"field \"{name}\" is of type {types[name]}: "
                                               f"a value {exc}"]}) from None
        q = b.quote(name)
        present = [v for v in converted if v is not None]
        parts = []
        if present:
            parts.append(f"{q} = {b.param}" if len(present) == 1
                         else f"{q} IN ({b.params(len(present))})")
            search.params.extend(present)
        if len(present) < len(converted):
            parts.append(f"{q} IS NULL")
        search.where.append("(" + " OR ".join(parts) + ")" if parts else "1 = 0")


def _bounded_text(text: str, limits: SearchLimits) -> list[str]:
    """The words of a q text, refused (409 naming q) past the limits."""
    if "\x00" in text:  # PostgreSQL's driver refuses it in a parameter
        raise ValidationError({"q": ["Must not contain a NUL character"]})
    if len(text) > limits.q_chars_max:
        raise ValidationError({"q": [f"At most {limits.q_chars_max} characters, not "
                                     f"{len(text)}"]})
    words = text.split()
    if len(words) > limits.q_terms_max:
        raise ValidationError({"q": [f"At most {limits.q_terms_max} words, not "
                                     f"{len(words)}"]})
    return words


def add_q(search: Search, db: Db, q: Any, limits: SearchLimits = SearchLimits()) -> None:
    q = _json(q, "q")
    if q in (None, ""):
        return
    b = db.backend
    types = _types(search.meta)
    if isinstance(q, dict):
        _unknown("q", list(q), types)
        for text in q.values():
            _bounded_text(str(text), limits)
        for name, text in q.items():
            search.where.append(b.like(b.as_text(b.quote(name))))
            search.params.append(_like(str(text)))
        return
    if not isinstance(q, str):
        raise ValidationError({"q": ["Must be a string or an object {\"field\": text}"]})
    columns = [b.as_text(b.quote(c.id)) if c.type != "text" else b.quote(c.id)
               for c in search.meta.columns]
    for term in _bounded_text(q, limits):
        search.where.append("(" + " OR ".join(b.like(c) for c in columns) + ")")
        search.params.extend([_like(term)] * len(columns))


def parse(params: dict[str, Any], meta: TableMeta, db: Db, rows_max: int,
          limits: SearchLimits = SearchLimits()) -> Search:
    """Validate the parameters against the table; a ValidationError names the problem."""
    try:
        distinct = boolean(params.get("distinct", False))
        include_total = boolean(params.get("include_total", True))
    except Invalid as exc:
        raise ValidationError({"distinct/include_total": [str(exc)]}) from None
    try:
        limit = integer(minimum=0)(params.get("limit", DEFAULT_LIMIT))
    except Invalid as exc:
        raise ValidationError({"limit": [str(exc)]}) from None
    try:
        offset = integer(minimum=0, maximum=OFFSET_MAX)(params.get("offset", 0) or 0)
    except Invalid as exc:
        raise ValidationError({"offset": [str(exc)]}) from None
    fmt = params.get("records_format", "objects") or "objects"
    if fmt not in FORMATS:
        raise ValidationError({"records_format": [f"Must be one of: {', '.join(FORMATS)}"]})
    search = Search(meta, parse_fields(params.get("fields"), meta, distinct),
                    sort=parse_sort(params.get("sort"), meta), limit=min(limit, rows_max),
                    offset=offset, distinct=distinct, include_total=include_total,
                    records_format=fmt)
    add_filters(search, db, params.get("filters"))
    add_q(search, db, params.get("q"), limits)
    return search


def _order(search: Search, db: Db) -> str:
    q = db.backend.quote
    keys = [f"{q(n)} {'DESC' if d else 'ASC'}" for n, d in search.sort]
    if not search.distinct and ID_FIELD not in {n for n, _ in search.sort}:
        # _id last: offset paging needs a total order.
        last_desc = bool(search.sort) and search.sort[-1][1]
        keys.append(f"{q(ID_FIELD)} {'DESC' if last_desc else 'ASC'}")
    return f" ORDER BY {', '.join(keys)}" if keys else ""


def run(search: Search, db: Db) -> tuple[list[tuple[Any, ...]], int | None]:
    """The page of rows, and the total number of matches (when asked for)."""
    b = db.backend
    table = b.table(search.meta.resource_id)
    where = f" WHERE {' AND '.join(search.where)}" if search.where else ""
    cols = ", ".join(b.quote(f) for f in search.fields)
    select = f"SELECT {'DISTINCT ' if search.distinct else ''}{cols} FROM {table}{where}"
    sql = f"{select}{_order(search, db)} LIMIT {b.param} OFFSET {b.param}"
    rows = db.all(sql, [*search.params, search.limit, search.offset])
    total = None
    if search.include_total:
        count_sql = (f"SELECT count(*) FROM ({select}) s" if search.distinct
                     else f"SELECT count(*) FROM {table}{where}")
        total = int(db.one(count_sql, search.params)[0])  # type: ignore[index]
    return rows, total


def records(search: Search, rows: list[tuple[Any, ...]]) -> Any:
    """Rows in the requested records_format, values made JSON-ready."""
    types = {"_id": "integer", **{c.id: c.type for c in search.meta.columns}}
    converters = [(i, fn) for i, name in enumerate(search.fields)
                  if (fn := output(types[name])) is not None]
    if converters:
        fixed = []
        for row in rows:
            values = list(row)
            for i, fn in converters:
                values[i] = fn(values[i])
            fixed.append(values)
        rows = fixed  # type: ignore[assignment]
    if search.records_format == "objects":
        return [dict(zip(search.fields, row, strict=True)) for row in rows]
    if search.records_format == "lists":
        return [list(row) for row in rows]
    out = io.StringIO()
    delimiter = "\t" if search.records_format == "tsv" else ","
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def links(params: dict[str, Any], search: Search) -> dict[str, str]:
    """CKAN's _links: the first page and the next one, as GET URLs of the action."""
    keep = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
            for k, v in params.items()
            if k not in ("offset",) and v not in (None, "") and not hasattr(v, "read")}
    base = "/api/3/action/datastore_search?"
    return {"start": base + urlencode(keep),
            "next": base + urlencode({**keep, "offset": search.offset + search.limit})}
