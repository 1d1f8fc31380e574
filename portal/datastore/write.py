"""datastore_create, datastore_upsert and datastore_delete on the datastore side
(the write path). Validation comes first and raises ValidationError naming the
field or record; the SQL uses quoted identifiers and bound parameters only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from portal.core.errors import ValidationError
from portal.core.validation import text_problem
from portal.datastore import Column, Datastore, TableMeta
from portal.datastore.backends import Db
from portal.datastore.names import ID_FIELD, TYPES, field_id_problem, normal_type
from portal.datastore.values import to_column

MAX_INFO_CHARS = 10_000
METHODS = ("upsert", "insert", "update")


def json_param(value: Any, key: str) -> Any:
    """Lists and objects may arrive as JSON text (form posts, GET)."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." thousands deep
            raise ValidationError({key: ["Could not read it as JSON"]}) from None
        if problem := text_problem(value):  # a lone surrogate, as a JSON body is checked
            raise ValidationError({key: [problem]})
    return value


def name_list(value: Any, key: str) -> list[str] | None:
    """A list of field ids, or a comma-separated string of them (CKAN accepts both)."""
    value = json_param(value, key)
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValidationError({key: ["Must be a list of field ids"]})


def records_param(value: Any) -> list[dict[str, Any]]:
    value = json_param(value, "records")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValidationError({"records": ["Must be a list of objects {\"field\": value}"]})
    return value


def _guess(name: str, records: list[dict[str, Any]]) -> str:
    """A field's type from the first record holding a value for it (as CKAN does)."""
    for record in records:
        value = record.get(name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "numeric"
        return "text"
    return "text"


def _info(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int | float) for k, v in value.items()):
        raise ValidationError({"fields": [f"the info of field \"{name}\" must be an object of "
                                          "texts ({\"label\": ..., \"notes\": ...})"]})
    info = {k: str(v) for k, v in value.items()}
    if any(len(v) > MAX_INFO_CHARS for v in info.values()):
        raise ValidationError({"fields": [f"the info of field \"{name}\" is longer than "
                                          f"{MAX_INFO_CHARS} characters"]})
    return info


def parse_fields(value: Any, records: list[dict[str, Any]], meta: TableMeta | None
                 ) -> tuple[list[Column], dict[str, dict[str, str]]]:
    """The table's columns after this call (existing first), and the info given per field."""
    value = json_param(value, "fields")
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise ValidationError({"fields": ["Must be a list of objects {\"id\", \"type\", "
                                          "\"info\"}"]})
    existing = {c.id: c for c in meta.columns} if meta else {}
    columns = list(existing.values())
    infos: dict[str, dict[str, str]] = {}
    given = [f for f in value] or [{"id": k} for k in dict.fromkeys(
        k for r in records for k in r if k != ID_FIELD) if meta is None]
    for spec in given:
        name = spec.get("id")
        problem = None if name in existing else field_id_problem(name)
        if problem:
            raise ValidationError({"fields": [problem]})
        kind = normal_type(spec["type"]) if spec.get("type") else None
        if spec.get("type") and kind is None:
            raise ValidationError({"fields": [f"field \"{name}\": type {spec['type']!r} is not "
                                              f"supported (use one of {', '.join(TYPES)})"]})
        if name in existing:
            if kind and kind != existing[name].type:
                raise ValidationError({"fields": [f"field \"{name}\" is {existing[name].type}; "
                                                  "its type cannot be changed"]})
        elif not any(c.id.casefold() == name.casefold() for c in columns):
            columns.append(Column(name, kind or _guess(name, records)))
        else:
            raise ValidationError({"fields": [f"field \"{name}\" is given twice"]})
        infos[name] = _info(spec.get("info"), name)
    return columns, infos


def convert_records(meta: TableMeta, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with every value in its column's type; a 409 names the record and field."""
    types = {ID_FIELD: "integer", **{c.id: c.type for c in meta.columns}}
    out = []
    for n, record in enumerate(records, start=1):
        unknown = [k for k in record if k not in types]
        if unknown:
            raise ValidationError({"records": [f"record {n}: field \"{unknown[0]}\" is not in "
                                               "the table (add it with datastore_create)"]})
        row = {}
        for key, value in record.items():
            try:
                row[key] = to_column(types[key], value)
            except ValueError as exc:
                raise ValidationError({"records": [f"record {n}: field \"{key}\" is "
                                                   f"{types[key]}: the value {exc}"]}) from None
        out.append(row)
    return out


def create_or_extend(store: Datastore, db: Db, resource_id: str, columns: list[Column],
                     primary_key: list[str] | None) -> TableMeta:
    """Create the table, or add the new columns to it; set the primary key if given."""
    b = db.backend
    meta = store.meta(db, resource_id)
    if meta is None:
        store.create_table(db, resource_id, columns)
    else:
        for column in columns[len(meta.columns):]:
            db.execute(f"ALTER TABLE {b.table(resource_id)} ADD COLUMN {b.quote(column.id)} "
                       f"{b.sql_types[column.type]}")
    keys = primary_key if primary_key is not None else (meta.primary_key if meta else [])
    unknown = [k for k in keys if k not in {c.id for c in columns}]
    if unknown:
        raise ValidationError({"primary_key": [f"field \"{unknown[0]}\" is not in the table"]})
    new = TableMeta(resource_id, columns, keys)
    if primary_key is not None and (meta is None or primary_key != meta.primary_key):
        store.set_primary_key(db, new, primary_key)
    store.save_meta(db, new)
    return new


def _groups(rows: list[dict[str, Any]]) -> Iterable[tuple[tuple[str, ...], list[dict]]]:
    """Records grouped by the fields they give (one statement per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return groups.items()


def write_records(db: Db, meta: TableMeta, rows: list[dict[str, Any]], method: str) -> None:
    b = db.backend
    table = b.table(meta.resource_id)
    key = meta.primary_key or [ID_FIELD]
    for n, row in enumerate(rows, start=1):
        if method != "insert" and not all(row.get(k) is not None for k in key):
            raise ValidationError({"records": [
                f"record {n}: {method} needs the key ({', '.join(key)}); "
                + ("define a primary_key with datastore_create, or give _id"
                   if not meta.primary_key else "it is missing")]})
    if method == "update":
        _update(db, meta, rows, key)
        return
    for names, group in _groups(rows):
        cols = ", ".join(b.quote(c) for c in names)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({b.params(len(names))})"
        if method == "upsert":
            rest = [c for c in names if c not in key]
            conflict = ", ".join(b.quote(k) for k in key)
            action = ("DO UPDATE SET " + ", ".join(f"{b.quote(c)} = excluded.{b.quote(c)}"
                                                   for c in rest)) if rest else "DO NOTHING"
            sql += f" ON CONFLICT ({conflict}) {action}"
        db.executemany(sql, [tuple(r[c] for c in names) for r in group])
    if b.dialect == "postgresql" and any(ID_FIELD in r for r in rows):
        _sync_ids(db, meta)


def _update(db: Db, meta: TableMeta, rows: list[dict[str, Any]], key: list[str]) -> None:
    b = db.backend
    table = b.table(meta.resource_id)
    for n, row in enumerate(rows, start=1):
        rest = [c for c in row if c not in key]
        if not rest:
            continue
        sets = ", ".join(f"{b.quote(c)} = {b.param}" for c in rest)
        where = " AND ".join(f"{b.quote(k)} = {b.param}" for k in key)
        cur = db.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                         [row[c] for c in rest] + [row[k] for k in key])
        if cur.rowcount == 0:
            shown = ", ".join(f"{k}={row[k]!r}" for k in key)
            raise ValidationError({"records": [f"record {n}: no record has the key {shown}"]})


def _sync_ids(db: Db, meta: TableMeta) -> None:
    """After rows were given their own _id, PostgreSQL's sequence must move past them."""
    from portal.datastore.names import quote

    b = db.backend
    db.execute("SELECT setval(pg_get_serial_sequence(%s, '_id'), "
               f"COALESCE(max(_id), 0) + 1, false) FROM {b.table(meta.resource_id)}",
               (f"{quote(b.schema or '')}.{quote(meta.resource_id)}",))


def delete_rows(db: Db, meta: TableMeta, filters: Any) -> int:
    """DELETE the rows matching the filters (as datastore_search reads them)."""
    from portal.datastore.search import Search, add_filters

    search = Search(meta, meta.ids)
    add_filters(search, db, filters)
    where = f" WHERE {' AND '.join(search.where)}" if search.where else ""
    cur = db.execute(f"DELETE FROM {db.backend.table(meta.resource_id)}{where}", search.params)
    return int(cur.rowcount)
