"""CKAN's DataStore API: datastore_search, datastore_info and datastore_search_sql
read; datastore_create, datastore_upsert and datastore_delete write.

Reads follow the resource's dataset (whoever may see the dataset may query its
table); writes need an editor of the dataset's organization. The rows live in
the datastore database (portal/datastore), the status and data dictionary in
the catalog (DatastoreTable). A write changes the datastore in its own
transaction, committed after the catalog's changes and the audit entry have
been flushed, so a refused catalog change leaves the rows untouched.

No path around the desensitization gate (portal/actions/datastore_gate.py): rows written
into an open entry (unconditional or conditional, pending or published) are checked
by the gate, the whole table after the write, and refused unless it allows them as
they are; the table of an uploaded file in such an entry is not written through the
API at all (it is made from the released file). The public reads a table of an open
entry only when it is made from the released file or the gate allowed it for the
entry's class: a table written while the entry was not open stays the department's.
A grant's recipient of a conditionally open entry reads none of its tables made from
the released file, by any read (datastore_search, datastore_info, datastore_search_sql,
and so the preview and the dumps): its pseudonyms are the public file's, not keyed for
the recipient; the recipient downloads the file made for them (portal/access.py
`table_refusal`). The entry's department and the bureau read the table as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select

from portal import access, audit
from portal.actions import datastore_gate, lookup
from portal.actions.permissions import Target, authorize, is_authorized
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.core.validation import as_given
from portal.datastore import TableMeta, limits, search, sql, write
from portal.datastore.backends import QueryTimeout
from portal.datastore.names import ID_FIELD
from portal.gate import gated_marker, target_for
from portal.models import DatastoreTable, Resource
from portal.models.base import utcnow

# The parameters are checked against the table they name (portal.datastore.search and
# write), so the schemas take them as sent; their messages name what is wrong. The table's
# resource is `resource_id`, or `id` (CKAN clients send either).
_TABLE = {"resource_id": [as_given], "id": [as_given]}
SEARCH_SCHEMA = {**_TABLE, **{key: [as_given] for key in (
    "filters", "q", "distinct", "fields", "sort", "limit", "offset", "include_total",
    "records_format")}}
INFO_SCHEMA = _TABLE
CREATE_SCHEMA = {**_TABLE, **{key: [as_given] for key in (
    "resource", "fields", "records", "primary_key")}}
UPSERT_SCHEMA = {**_TABLE, "records": [as_given], "method": [as_given]}
DELETE_SCHEMA = {**_TABLE, "filters": [as_given]}
SQL_SCHEMA = {"sql": [as_given]}
SEARCH_WAIT_S = 2.0  # a search waits this long for a free slot before the 429


def _resource(ctx: Context, params: dict[str, Any], key: str = "resource_id") -> Resource:
    if key not in params:  # CKAN clients send either key (datastore_info's own is id)
        key = next((k for k in ("resource_id", "id") if k in params), key)
    res = lookup.resource(ctx.session, lookup.required_id(params, key))
    authorize(ctx, Target(dataset=res.dataset))
    return res


def _readable(ctx: Context, params: dict[str, Any], key: str = "resource_id"
              ) -> tuple[Resource, access.FileAccess]:
    """The resource whose table the caller reads, and how (portal/access.py): the public
    reads an opened entry's table only once it is made from the released file."""
    res = _resource(ctx, params, key)
    granted = access.require(ctx, res.dataset)
    if granted.file == access.RELEASED and not _public_table(res):
        if res.url_type == "upload":
            raise NotFound(f'Resource "{res.id}" has no released table yet: its file has not '
                           "passed publication review, or the treated file is still loading")
        raise NotFound(f'Resource "{res.id}" has no table the desensitization gate allowed '
                       f"into this entry's open class: its rows were written through the "
                       "datastore API while the entry was not open, or not checked since")
    refusal = access.table_refusal(ctx, granted, res)
    if refusal:
        raise NotAuthorized(f"{ctx.actor} may not read the table of resource {res.id}: "
                            f"{refusal}")
    return res, granted


def _public_table(res: Resource) -> bool:
    """Whether the table of a resource of an open entry may be read as its released data:
    made from the released file, or (no file) allowed as it is by the gate for the
    entry's current open class."""
    table = res.datastore
    if table is None:
        return False
    if res.url_type == "upload":
        return bool(res.released_sha256) and table.source_sha256 == res.released_sha256
    target = target_for(res.dataset.open_type)
    return target is not None and table.source_sha256 == gated_marker(target)


def _in_scope(params: dict[str, Any], scope: tuple[str, ...]) -> dict[str, Any]:
    """A grant covering some fields: the search may name only those (as fields, filters,
    q per field and sort); without `fields` it returns just them."""
    allowed = {*scope, ID_FIELD}

    def names(value: Any) -> list[str]:
        if isinstance(value, str):
            return [n.strip().split(" ")[0] for n in value.split(",") if n.strip()]
        return [str(n) for n in value] if isinstance(value, list | dict) else []

    q = write.json_param(params.get("q"), "q")
    if q and not isinstance(q, dict):
        raise NotAuthorized("the grant covers some fields only: a full-text q searches every "
                            "field; give q per field ({field: text})")
    asked = [*names(params.get("fields") or []), *names(write.json_param(
        params.get("filters"), "filters") or {}), *names(q or {}), *names(params.get("sort", ""))]
    outside = sorted({n for n in asked if n not in allowed})
    if outside:
        raise NotAuthorized(f"the grant does not cover the fields {', '.join(outside)}")
    return {**params, "fields": params.get("fields") or list(scope)}


def _not_found(resource_id: str) -> NotFound:
    return NotFound(f'Resource "{resource_id}" was not found in the datastore')


def _dictionary(res: Resource) -> dict[str, dict[str, Any]]:
    table = res.datastore
    return {f["id"]: f.get("info") or {} for f in (table.fields if table else []) or []}


def _field_dicts(meta: TableMeta, names: list[str], res: Resource) -> list[dict[str, Any]]:
    info = _dictionary(res)
    types = {c.id: c.type for c in meta.columns}
    out: list[dict[str, Any]] = []
    for name in names:
        if name == ID_FIELD:
            out.append({"id": ID_FIELD, "type": "int"})
        else:
            out.append({"id": name, "type": types[name], "info": info.get(name, {})})
    return out


def _timeout(ctx: Context, key: str, default: int) -> int:
    return int(ctx.portal.datastore.setting(key, default))


@action(read_only=True, schema=SEARCH_SCHEMA)
def datastore_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search a resource's table (CKAN's parameters). Params: resource_id, filters
    ({field: value or [values]}), q (text, or {field: text}), distinct, fields, sort
    ("field desc, field2"), limit (default 100, at most datastore.search_rows_max),
    offset, include_total, records_format (objects, lists, csv, tsv)."""
    res, granted = _readable(ctx, params)
    if granted.fields:
        params = _in_scope(params, granted.fields)
    access.record(ctx, granted, res.dataset, res.id, "datastore_search")
    store = ctx.portal.datastore
    timeout = _timeout(ctx, "search_timeout_ms", 10_000)
    bounds = search.SearchLimits(int(store.setting("search_q_terms_max", 100)),
                                 int(store.setting("search_q_chars_max", 1000)))
    running = limits.slots(store, "search", int(store.setting("search_concurrent_max", 4)))
    try:
        with running.hold("datastore_search", wait=SEARCH_WAIT_S), store.read() as db, \
                db.backend.time_limit(db, timeout):
            meta = store.meta(db, res.id)
            if meta is None:
                raise _not_found(res.id)
            found = search.parse(params, meta, db, int(store.setting("search_rows_max", 32000)),
                                 bounds)
            rows, total = search.run(found, db)
    except QueryTimeout:
        raise ValidationError({"query": [f"The search took longer than {timeout} ms and was "
                                         "stopped; narrow it with filters"]}) from None
    sort = ", ".join(f"{n} desc" if d else n for n, d in found.sort) or ID_FIELD
    out = {
        "resource_id": res.id,
        "fields": _field_dicts(meta, found.fields, res),
        "records": search.records(found, rows),
        "records_format": found.records_format,
        "limit": found.limit,
        "offset": found.offset,
        "sort": sort,
        "filters": write.json_param(params.get("filters"), "filters") or {},
        "q": write.json_param(params.get("q"), "q") or "",
        "distinct": found.distinct,
        "include_total": found.include_total,
        "_links": search.links(params, found),
    }
    if total is not None:
        out["total"], out["total_was_estimated"] = total, False
    return out


@action(read_only=True, schema=INFO_SCHEMA)
def datastore_info(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A resource table's row count, load status and notes, and fields with their types,
    descriptions (info) and database schema. Params: id (or resource_id)."""
    res, _ = _readable(ctx, params, key="id")
    store = ctx.portal.datastore
    with store.read() as db:
        meta = store.meta(db, res.id)
        if meta is None:
            raise _not_found(res.id)
        count = store.count(db, res.id)
        native = db.backend.sql_types
    fields = _field_dicts(meta, meta.ids, res)
    for f in fields:
        f["schema"] = {"native_type": native[f["type"]], "notnull": False,
                       "uniquekey": f["id"] in meta.primary_key}
    table = res.datastore
    return {
        "meta": {"id": res.id, "count": count, "table_type": "BASE TABLE", "aliases": [],
                 "primary_key": meta.primary_key,
                 "status": table.status if table else "active",
                 "loaded": table.loaded_at.isoformat() if table and table.loaded_at else None,
                 # what the latest load reported: rows padded or cut, or why it failed
                 "notes": table.message if table else ""},
        "fields": fields,
    }


@contextmanager
def _database_refusals(key: str) -> Iterator[None]:
    """A duplicate key or a value the database refuses is the client's error (409)."""
    import psycopg2

    try:
        yield
    except (sqlite3.IntegrityError, psycopg2.IntegrityError) as exc:
        raise ValidationError({key: ["duplicate values for the primary key (or _id): "
                                     f"{str(exc).strip().splitlines()[0]}"]}) from None
    except psycopg2.DataError as exc:
        raise ValidationError({key: [f"the database refused a value: "
                                     f"{str(exc).strip().splitlines()[0]}"]}) from None


def _gate_target(res: Resource) -> str | None:
    """The open class rows written into `res`'s table are checked for (datastore_gate.py), or None.
    The table of an uploaded file of an open entry is made from the released file: it is
    not written through the API."""
    ds = res.dataset
    target = datastore_gate.gate_target(ds)
    if target is not None and res.url_type == "upload":
        raise ValidationError({"resource_id": [
            f"This entry is open ({ds.open_type}) and this table is made from the file the "
            "desensitization gate released; rows written through the datastore API would "
            "bypass the gate: change the file (resource_patch with upload) and submit the "
            "entry for review"]}, "Refused by the desensitization gate")
    return target


def _gate(ctx: Context, db: Any, res: Resource, meta: TableMeta, target: str | None) -> str:
    """After rows changed: the gate's check (refusing the write) for an open entry, and
    what the table is now made from (datastore_gate.py)."""
    if target is None:
        return datastore_gate.API_UNCHECKED
    datastore_gate.check_table(ctx.portal, db, meta, res.dataset, target)
    return gated_marker(target)


def _record(ctx: Context, res: Resource, meta: TableMeta, count: int,
            infos: dict[str, dict[str, str]] | None = None,
            source: str | None = None) -> list[dict[str, Any]]:
    """Bring the catalog's DatastoreTable (status, dictionary, count) up to date; `source`:
    what the table is made from now, when rows changed (datastore_gate.py)."""
    table = res.datastore or DatastoreTable(resource_id=res.id, fields=[], message="")
    if source is not None:
        table.source_sha256 = source
    old = {f.get("id"): f.get("info") or {} for f in table.fields or []}
    table.fields = [{"id": c.id, "type": c.type,
                     "info": {"label": "", "notes": "", **old.get(c.id, {}),
                              **(infos or {}).get(c.id, {})}} for c in meta.columns]
    table.row_count, table.status, table.message = count, "active", ""
    table.loaded_at = table.updated_at = utcnow()
    res.datastore = table
    return table.fields


def _audit(ctx: Context, res: Resource, detail: dict[str, Any]) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="resource",
                 object_id=res.id, detail={"package_id": res.package_id, **detail})
    ctx.session.flush()  # catalog errors surface before the datastore commits


def _new_resource(ctx: Context, spec: Any) -> Resource:
    """datastore_create with `resource`: a resource made for data pushed through the API."""
    from portal.actions.resources import new_resource

    if not isinstance(spec, dict):
        raise ValidationError({"resource": ["Must be an object with package_id"]})
    ds = lookup.dataset(ctx.session, lookup.required_id(spec, "package_id"))
    authorize(ctx, Target(dataset=ds))
    if spec.get("upload") is not None or spec.get("url_type") == "upload":
        raise ValidationError({"resource": ["datastore_create makes a resource for rows "
                                            "pushed through the API: upload a file with "
                                            "resource_create"]})
    res = new_resource(ctx, ds, {k: v for k, v in spec.items() if k != "upload"})
    ctx.session.flush()
    return res


@action(schema=CREATE_SCHEMA)
def datastore_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a resource's table, or add fields to it, and insert records. Params:
    resource_id (or resource: a new resource's fields with package_id), fields
    ([{id, type, info: {label, notes}}]; info alone edits the data dictionary),
    records, primary_key (list or comma-separated); force is accepted and ignored."""
    if params.get("resource_id") in (None, "") and "resource" in params:
        res = _new_resource(ctx, write.json_param(params["resource"], "resource"))
    else:
        res = _resource(ctx, params)
    records = write.records_param(params.get("records"))
    primary_key = write.name_list(params.get("primary_key"), "primary_key")
    store = ctx.portal.datastore
    with store.write() as db, _database_refusals("records"):
        meta = store.meta(db, res.id)
        columns, infos = write.parse_fields(params.get("fields"), records, meta)
        if not columns:
            raise ValidationError({"fields": ["A new table needs fields (or records to take "
                                              "them from)"]})
        # Only the data dictionary (labels, notes) edited: no row or column changes.
        dictionary_only = (meta is not None and not records and primary_key is None
                           and len(columns) == len(meta.columns))
        target = _gate_target(res) if not (dictionary_only and res.url_type == "upload") \
            else None
        meta = write.create_or_extend(store, db, res.id, columns, primary_key)
        write.write_records(db, meta, write.convert_records(meta, records), "insert")
        table = res.datastore
        source = None
        if not dictionary_only or (target is not None and (
                table is None or table.source_sha256 != gated_marker(target))):
            # A dictionary edit of an open entry's table the gate has not allowed (yet)
            # asks the gate about it as it stands.
            source = _gate(ctx, db, res, meta, target)
        fields = _record(ctx, res, meta, store.count(db, res.id), infos, source)
        _audit(ctx, res, {"records": len(records), "fields": [c.id for c in meta.columns]})
    return {"resource_id": res.id, "fields": fields, "primary_key": meta.primary_key,
            "method": "insert"}


@action(schema=UPSERT_SCHEMA)
def datastore_upsert(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Insert or update records of an existing table. Params: resource_id, records,
    method (upsert, insert or update; default upsert: upsert and update match records
    on the primary key, or on _id); force is accepted and ignored."""
    res = _resource(ctx, params)
    method = params.get("method") or "upsert"
    if method not in write.METHODS:
        raise ValidationError({"method": [f"Must be one of: {', '.join(write.METHODS)}"]})
    records = write.records_param(params.get("records"))
    target = _gate_target(res)
    store = ctx.portal.datastore
    with store.write() as db, _database_refusals("records"):
        meta = store.meta(db, res.id)
        if meta is None:
            raise _not_found(res.id)
        write.write_records(db, meta, write.convert_records(meta, records), method)
        source = _gate(ctx, db, res, meta, target)
        _record(ctx, res, meta, store.count(db, res.id), source=source)
        _audit(ctx, res, {"records": len(records), "method": method})
    return {"resource_id": res.id, "method": method}


@action(schema=DELETE_SCHEMA)
def datastore_delete(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Delete the records matching filters, or (without filters) the whole table.
    Params: resource_id, filters ({field: value or [values]}); force is ignored."""
    res = _resource(ctx, params)
    target = _gate_target(res)
    store = ctx.portal.datastore
    with store.write() as db:
        meta = store.meta(db, res.id)
        if meta is None:
            raise _not_found(res.id)
        if "filters" not in params:
            store.drop(db, res.id)
            res.datastore = None  # the dictionary goes with the table
            _audit(ctx, res, {"dropped": True})
            return {"resource_id": res.id}
        deleted = write.delete_rows(db, meta, params.get("filters"))
        # What is left is checked too: fewer rows can leave a group smaller than k.
        source = _gate(ctx, db, res, meta, target)
        _record(ctx, res, meta, store.count(db, res.id), source=source)
        _audit(ctx, res, {"deleted": deleted})
    return {"resource_id": res.id, "filters": write.json_param(params["filters"], "filters")}


def _readable_table(ctx: Context, name: str) -> bool:
    """May the caller read the table named `name` (a resource id) through SQL?"""
    res = ctx.session.get(Resource, name) if len(name) <= 36 else None
    if res is None or res.state == "deleted" or res.datastore is None:
        return False
    if res.datastore.loaded_at is None or not is_authorized(
            ctx, Target(dataset=res.dataset), action="datastore_search"):
        return False
    granted = access.file_access(ctx, res.dataset)
    if granted.file == access.RAW:
        return not granted.logged  # grant and share use goes through datastore_search, logged
    if granted.file != access.RELEASED or not _public_table(res):
        return False
    refusal = access.table_refusal(ctx, granted, res)
    if refusal:
        raise NotAuthorized(f"datastore_search_sql: {ctx.actor} may not read the table "
                            f'"{name}": {refusal}')
    return True


@action(read_only=True, schema=SQL_SCHEMA)
def datastore_search_sql(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Run one SELECT over datastore tables (named by resource id, double-quoted).
    Off unless datastore.sql_enabled; functions on an allow-list only; a time limit
    (datastore.sql_timeout_ms) and a row cap (datastore.sql_rows_max). Params: sql."""
    store = ctx.portal.datastore
    if not store.setting("sql_enabled", False):
        raise NotAuthorized("datastore_search_sql is turned off on this portal "
                            "(setting datastore.sql_enabled)")
    backend = store.backend
    dialect = "sqlite" if backend.dialect == "sqlite" else "postgres"
    running = limits.slots(store, "sql", int(store.setting("sql_concurrent_max", 2)))
    with running.hold("datastore_search_sql"):
        checked = sql.check(params.get("sql"), dialect, backend.schema,
                            lambda name: _readable_table(ctx, name),
                            lambda names: _names_taken(ctx, names))
        return sql.run(backend, checked, _timeout(ctx, "sql_timeout_ms", 5000),
                       int(store.setting("sql_rows_max", 10_000)),
                       bytes_max=int(store.setting("sql_bytes_max", 16 * 2**20)),
                       work_mem=str(store.setting("sql_work_mem", "4MB")),
                       temp_file_limit=str(store.setting("sql_temp_file_limit", "64MB")))


def _names_taken(ctx: Context, names: set[str]) -> set[str]:
    """Which of `names` (lower case) are resource ids or relations of the datastore's
    database: no alias of an SQL query may bear them."""
    ids = ctx.session.scalars(select(func.lower(Resource.id))
                              .where(func.lower(Resource.id).in_(sorted(names)))).all()
    return set(ids) | sql.relations_named(ctx.portal.datastore.backend, names)
