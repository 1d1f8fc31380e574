"""A file -> a typed datastore table, replacing the previous one in one transaction.

Figures are for the bench file (2M rows x 10 columns, UTF-8, Chinese text,
dates, numbers) on this project's 2-CPU machine; bench/datastore.py measures
them. The loader runs at about the speed of a bare csv.reader + executemany
load that does no encoding detection and no typing (~190,000 rows/s both, in
the same run); the first design, which typed the columns in SQL, ran at 72,500.

1. read: `desensitize.tables.open_table` (encoding, delimiter, XLSX, JSON),
   about half of the time: the floor.
2. type: every batch is typed by coltypes.ColumnTyper, exactly the rules of
   desensitize.tables.types but checked over a whole batch with string
   operations in C (~1.5 s; the reference's per-cell checks ~9 s; checks in
   SQL, with SQLite's functions since it has no regular expressions, ~8 s).
3. write:
   - SQLite: straight into the new table under a temporary name, typed as the
     first batch says (direct.py); if a later batch shows a column is text
     after all, the file is loaded again the exact way: staged as text in a
     TEMP table, then copied with casts (a second write of the table: the
     first design did this always, 5.6 s of its 27.6).
   - PostgreSQL: COPY into a TEMP table as text (the server parses in its own
     process), then INSERT ... SELECT with casts.
4. swap: in ONE transaction, DROP the previous table, RENAME the new one and
   write `_table_metadata`. Readers see the old table until the commit and the
   new one after it; a failure anywhere before leaves the old table as it was.
5. index (after the swap, one short transaction each): a B-tree per column
   that is not long text, then ANALYZE, so datastore_search's filters and sorts
   do not scan (~19 s for the bench file's ten columns). The table is
   searchable while its indexes are being built.

Reading in a second thread was tried and dropped: both the reader and
executemany need the GIL, and handing it back and forth made loads slower.
The garbage collector is told to run less often during a load: every row is
a new list, and with the default thresholds the collector walked the whole
heap some thirty times per 2M rows (1.5-2 s).
"""

from __future__ import annotations

import gc
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from desensitize.tables import RowIssue, open_table
from portal.datastore import Column, Datastore, TableMeta
from portal.datastore.backends import Db
from portal.datastore.casts import pg_cast, register_sqlite_functions, sqlite_cast
from portal.datastore.coltypes import ColumnTyper
from portal.datastore.direct import DirectWriter, Restart
from portal.datastore.names import FROM_INFERRED, field_ids, quote
from portal.datastore.staging import FlatInserter, Rows, copy_rows, create_stage, staged_names
from portal.jobs import Cancelled

BATCH_ROWS = 5000
MAX_AUTO_INDEXES = 32
LONG_TEXT = 64  # text columns longer than this on average get no index

# progress(phase, count): "reading" counts rows; "indexing" counts indexes built.
Progress = Callable[[str, int], None]


@dataclass
class LoadResult:
    rows: int
    columns: list[Column]
    headers: list[str]
    issues: list[RowIssue] = field(default_factory=list)
    seconds: float = 0.0
    index_seconds: float = 0.0
    restarted: str = ""  # why the fast path was left, if it was


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold while a load allocates millions of rows
    (they are freed by reference counting; cycles wait a few seconds longer)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 200_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Loader:
    """One load of one file into one resource's table."""

    def __init__(self, store: Datastore, resource_id: str, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.store = store
        self.backend = store.backend
        self.resource_id = resource_id
        self.progress: Progress = progress or (lambda phase, count: None)
        self.cancel = cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("the load was cancelled")

    def load(self, path: Path, *, format: str | None = None,
             sheet: str | int | None = None) -> LoadResult:
        started = time.perf_counter()
        with _fewer_collections(), open_table(path, format=format, sheet=sheet) as table:
            headers = list(table.info.columns)
            ids = field_ids(headers)
            restarted = ""
            if self.backend.dialect == "sqlite":
                try:
                    rows, columns = self._direct(ids, table.rows())
                except Restart as why:
                    restarted = str(why)
                    rows, columns = self._staged_sqlite(ids, table.rows())
            else:
                rows, columns = self._staged_postgresql(ids, table.rows())
            result = LoadResult(rows, columns, headers, list(table.issues), restarted=restarted)
        result.seconds = time.perf_counter() - started
        if self.store.setting("auto_index", True):
            began = time.perf_counter()
            self.build_indexes(columns)
            result.index_seconds = time.perf_counter() - began
        return result

    def _batches(self, rows: Iterator[list[str | None]], ncols: int
                 ) -> Iterator[tuple[int, list[Any]]]:
        """(number of rows, their cells laid end to end) per batch, with progress and
        cancel. One flat list per batch feeds both the type checks and multi-row INSERTs."""
        done = 0
        while flat := list(chain.from_iterable(islice(rows, BATCH_ROWS))):
            self.check()
            count = len(flat) // max(ncols, 1)  # the reader pads rows to the header
            yield count, flat
            done += count
            self.progress("reading", done)

    @property
    def _prefix(self) -> str:
        """Names of tables being built for this resource: longer than any resource id (36),
        so no resource's table can be taken for one."""
        return f"_load_{hashlib.sha256(self.resource_id.encode()).hexdigest()[:16]}_"

    def _temporary(self) -> str:
        return self._prefix + uuid.uuid4().hex

    def _direct(self, ids: list[str], rows: Iterator[list[str | None]]
                ) -> tuple[int, list[Column]]:
        conn = self.backend.connect()  # type: ignore[attr-defined]
        register_sqlite_functions(conn)
        db = Db(self.backend, conn)
        self._drop_leftovers(db)
        temporary = self._temporary()
        writer = DirectWriter(db, temporary, ids)
        try:
            db.execute("BEGIN IMMEDIATE")
            for count, flat in self._batches(rows, len(ids)):
                writer.write(flat, count)
            if writer.rows == 0:  # a header without rows: an empty table
                writer.write([], 0)
            columns = writer.finish()
            db.execute("COMMIT")
            db.execute("BEGIN IMMEDIATE")
            self._replace(db, temporary, columns)
            db.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                db.execute("ROLLBACK")
            db.execute(f"DROP TABLE IF EXISTS {self.backend.table(temporary)}")
            conn.close()
            raise
        conn.close()
        return writer.rows, columns

    def _drop_leftovers(self, db: Db) -> None:
        """Tables a killed load of this resource left behind (the fast path commits as it
        goes); never visible to readers, but they hold disk space."""
        prefix = self._prefix
        names = db.all("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND substr(name, 1, ?) = ?", (len(prefix), prefix))
        for (name,) in names:
            db.execute(f"DROP TABLE IF EXISTS {self.backend.table(name)}")

    def _staged_sqlite(self, ids: list[str], rows: Iterator[list[str | None]]
                       ) -> tuple[int, list[Column]]:
        conn = self.backend.connect()  # type: ignore[attr-defined]
        try:
            register_sqlite_functions(conn)
            db = Db(self.backend, conn)
            db.execute("PRAGMA temp.journal_mode=OFF")
            stage = create_stage(db, len(ids))
            typer = ColumnTyper(len(ids))
            inserter = FlatInserter(db, stage, staged_names(len(ids)))
            count = 0
            db.execute("BEGIN")  # TEMP only: the datastore file is not locked yet
            for rows_in_batch, flat in self._batches(rows, len(ids)):
                typer.feed(flat)
                inserter.insert(flat)
                count += rows_in_batch
            db.execute("COMMIT")
            db.execute("BEGIN IMMEDIATE")
            try:
                columns = self._typed_copy(db, stage, ids, typer, sqlite_cast)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            conn.close()  # drops the TEMP table
        return count, columns

    def _staged_postgresql(self, ids: list[str], rows: Iterator[list[str | None]]
                           ) -> tuple[int, list[Column]]:
        typer = ColumnTyper(len(ids))
        count = 0

        def typed_batches() -> Iterator[Rows]:
            nonlocal count
            width = len(ids)
            for rows_in_batch, flat in self._batches(rows, width):
                typer.feed(flat)
                count += rows_in_batch
                yield [flat[i:i + width] for i in range(0, len(flat), width)]

        # One transaction: the staging table goes at commit, the swap is atomic.
        with self.backend.transaction(write=True) as db:
            db.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            stage = create_stage(db, len(ids))
            copy_rows(db, stage, len(ids), typed_batches())
            columns = self._typed_copy(db, stage, ids, typer, pg_cast)
        return count, columns

    def _typed_copy(self, db: Db, stage: str, ids: list[str], typer: ColumnTyper,
                    cast: Callable[[str, str, bool], str]) -> list[Column]:
        """CREATE the typed table, fill it from the staging table, swap it in."""
        self.check()
        b = self.backend
        columns = [Column(c, FROM_INFERRED[k]) for c, k in zip(ids, typer.kinds, strict=True)]
        temporary = self._temporary()
        self.store.create_table(db, temporary, columns)
        exprs = [cast(kind, staged, irregular) for kind, staged, irregular
                 in zip(typer.kinds, staged_names(len(ids)), typer.irregular, strict=True)]
        targets = ", ".join(["_id"] + [b.quote(c.id) for c in columns])
        db.execute(f"INSERT INTO {b.table(temporary)} ({targets}) "
                   f"SELECT {', '.join(['_n'] + exprs)} FROM {stage}")
        self._replace(db, temporary, columns)
        return columns

    def _replace(self, db: Db, temporary: str, columns: list[Column]) -> None:
        """The swap: the new table takes the resource's name (inside the caller's
        transaction)."""
        self.check()
        b = self.backend
        if b.dialect == "postgresql":
            db.execute("SELECT setval(pg_get_serial_sequence(%s, '_id'), "
                       f"COALESCE(max(_id), 0) + 1, false) FROM {b.table(temporary)}",
                       (f"{quote(b.schema or '')}.{quote(temporary)}",))
        db.execute(f"DROP TABLE IF EXISTS {b.table(self.resource_id)}")
        db.execute(f"ALTER TABLE {b.table(temporary)} RENAME TO {b.quote(self.resource_id)}")
        self.store.save_meta(db, TableMeta(self.resource_id, columns))

    def _index_candidates(self, columns: list[Column]) -> list[Column]:
        b = self.backend
        picked = []
        with self.store.read() as db:
            for column in columns:
                if column.type == "text":
                    q = b.quote(column.id)
                    sample = db.one(f"SELECT avg(length({q})) FROM (SELECT {q} FROM "
                                    f"{b.table(self.resource_id)} LIMIT 1000) s")
                    if sample and sample[0] is not None and sample[0] > LONG_TEXT:
                        continue
                picked.append(column)
        return picked[:MAX_AUTO_INDEXES]

    def build_indexes(self, columns: list[Column]) -> None:
        """One index per short column, each in its own transaction, then ANALYZE."""
        b = self.backend
        table = b.table(self.resource_id)
        for n, column in enumerate(self._index_candidates(columns), start=1):
            self.check()
            with self.store.write() as db:
                db.execute(f"CREATE INDEX IF NOT EXISTS {b.quote(f'{self.resource_id}_i{n}')} "
                           f"ON {table} ({b.quote(column.id)})")
            self.progress("indexing", n)
        with self.store.write() as db:
            db.execute(f"ANALYZE {table}")


def load_file(store: Datastore, resource_id: str, path: Path, *, format: str | None = None,
              progress: Progress | None = None,
              cancel: threading.Event | None = None) -> LoadResult:
    return Loader(store, resource_id, progress, cancel).load(path, format=format)


