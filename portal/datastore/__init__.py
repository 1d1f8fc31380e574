"""The datastore: each tabular resource as a typed SQL table, queryable with
CKAN's DataStore API (datastore_search & co.).

Two databases are involved. The catalog (main database) holds a
`DatastoreTable` record per resource: load status, message, row count and the
data dictionary with its editable descriptions. The datastore database holds
the rows, one table named by the resource id with an `_id` column, plus
`_table_metadata`, the authoritative column list and types, written in the
same transaction as the table itself so a reader never sees one without the
other. Modules: `backends` (where tables live), `loader` (file -> table),
`search` (read path), `write` (datastore_create/upsert/delete), `sql`
(datastore_search_sql).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portal.datastore.backends import META_TABLE, Backend, Db, PostgresBackend, SqliteBackend
from portal.datastore.names import ID_FIELD
from portal.settings import Settings


@dataclass(frozen=True)
class Column:
    id: str
    type: str  # one of names.TYPES


@dataclass(frozen=True)
class TableMeta:
    """A datastore table as its database describes it."""

    resource_id: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.id == name), None)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.columns]

    def fields(self) -> list[dict[str, str]]:
        return [{"id": c.id, "type": c.type} for c in self.columns]


def make_backend(settings: Settings, database_url: str) -> Backend:
    url = str(settings.get("datastore", "url", "") or "")
    if not url and database_url.startswith("postgresql"):
        url = database_url
    if url.startswith("postgresql"):
        return PostgresBackend(url, str(settings.get("datastore", "schema", "datastore")))
    if url.startswith("sqlite:///"):
        from pathlib import Path

        return SqliteBackend(Path(url.removeprefix("sqlite:///")).resolve())
    if url:
        raise ValueError(f"datastore.url: {url!r} is neither sqlite:/// nor postgresql://")
    return SqliteBackend(settings.var_dir / "datastore.db")


class Datastore:
    """The portal's datastore service; the backend is opened on first use."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        self.settings = settings
        self.database_url = database_url
        self._backend: Backend | None = None

    def setting(self, key: str, default: Any = None) -> Any:
        return self.settings.get("datastore", key, default)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.settings, self.database_url)
        return self._backend

    def read(self) -> Any:
        return self.backend.transaction(write=False)

    def write(self) -> Any:
        return self.backend.transaction(write=True)

    def meta(self, db: Db, resource_id: str) -> TableMeta | None:
        b = db.backend
        row = db.one(f"SELECT fields, primary_key FROM {b.table(META_TABLE)} WHERE name = "
                     f"{b.param}", (resource_id,))
        if row is None:
            return None
        columns = [Column(f["id"], f["type"]) for f in json.loads(row[0])]
        return TableMeta(resource_id, columns, json.loads(row[1] or "[]"))

    def save_meta(self, db: Db, meta: TableMeta) -> None:
        b = db.backend
        db.execute(f"DELETE FROM {b.table(META_TABLE)} WHERE name = {b.param}",
                   (meta.resource_id,))
        db.execute(f"INSERT INTO {b.table(META_TABLE)} (name, fields, primary_key) "
                   f"VALUES ({b.params(3)})",
                   (meta.resource_id, json.dumps(meta.fields(), ensure_ascii=False),
                    json.dumps(meta.primary_key, ensure_ascii=False)))

    def create_table(self, db: Db, name: str, columns: list[Column]) -> None:
        """CREATE TABLE `name` with `_id` and the typed columns (no data)."""
        b = db.backend
        cols = [b.id_column()] + [f"{b.quote(c.id)} {b.sql_types[c.type]}" for c in columns]
        db.execute(f"CREATE TABLE {b.table(name)} ({', '.join(cols)})")

    def drop(self, db: Db, resource_id: str) -> None:
        b = db.backend
        db.execute(f"DROP TABLE IF EXISTS {b.table(resource_id)}")
        db.execute(f"DELETE FROM {b.table(META_TABLE)} WHERE name = {b.param}", (resource_id,))

    def count(self, db: Db, resource_id: str) -> int:
        row = db.one(f"SELECT count(*) FROM {db.backend.table(resource_id)}")
        return int(row[0]) if row else 0

    def set_primary_key(self, db: Db, meta: TableMeta, keys: list[str]) -> None:
        """Replace the unique index that upserts match records on."""
        b = db.backend
        index = f"{meta.resource_id}_key"  # (PostgreSQL names the _id constraint ..._pkey)
        qualified = b.quote(index) if not b.schema else f"{b.quote(b.schema)}.{b.quote(index)}"
        db.execute(f"DROP INDEX IF EXISTS {qualified}")
        if keys:
            cols = ", ".join(b.quote(k) for k in keys)
            db.execute(f"CREATE UNIQUE INDEX {b.quote(index)} ON {b.table(meta.resource_id)} "
                       f"({cols})")

    def dispose(self) -> None:
        if self._backend is not None:
            self._backend.dispose()
            self._backend = None


__all__ = ["ID_FIELD", "Column", "Datastore", "TableMeta"]
