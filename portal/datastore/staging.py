"""Rows into a table as fast as each database takes them.

SQLite: multi-row INSERT statements through executemany. A statement of 20
rows binds as many values as 20 single-row statements but runs the virtual
machine once per 20 rows: 6.0 s -> 4.8 s for 2M rows of 10 columns here. The
rows arrive as one flat list per batch (which the type checks use too), so
cutting it into statements is list slicing, done in C.

PostgreSQL: COPY ... FROM STDIN in CSV format, fed by csv.writer (C) from a
file-like object, so no cell is escaped in Python; the server parses and
writes in a process of its own while Python reads the next batch.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator

from portal.datastore.backends import Db

Rows = list[list[str | None]]
Flat = list[str | None]
# Values bound per INSERT statement stay under SQLite's smallest default limit (32766).
MAX_VARIABLES = 32_000
ROWS_PER_STATEMENT = 20


def staged_names(ncols: int) -> list[str]:
    return [f"c{i}" for i in range(ncols)]


def create_stage(db: Db, ncols: int) -> str:
    """A TEMP table with `_n` (the file's order) and c0, c1... as text; returns its name.

    TEMP: private to the loading connection, invisible to everyone else, gone
    when the connection closes (even after a crash)."""
    name = f"stage_{uuid.uuid4().hex}"
    if db.backend.dialect == "sqlite":
        # No declared type: values are stored exactly as given (no affinity).
        cols = ", ".join(staged_names(ncols))
        db.execute(f"CREATE TEMP TABLE {name} (_n INTEGER PRIMARY KEY, {cols})")
    else:
        cols = ", ".join(f"{c} text" for c in staged_names(ncols))
        db.execute(f"CREATE TEMP TABLE {name} (_n bigint GENERATED ALWAYS AS IDENTITY, {cols}) "
                   "ON COMMIT DROP")
    return name


class FlatInserter:
    """executemany of multi-row INSERTs into `table` (SQLite), a batch at a time."""

    def __init__(self, db: Db, table: str, columns: list[str]) -> None:
        self.db = db
        ncols = len(columns)
        self.per = max(1, min(ROWS_PER_STATEMENT, MAX_VARIABLES // max(ncols, 1)))
        self.width = self.per * ncols
        self.ncols = ncols
        one = "(" + ", ".join("?" * ncols) + ")"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        self.many_sql = head + ", ".join([one] * self.per)
        self.one_sql = head + one

    def insert(self, flat: Flat) -> None:
        width, ncols = self.width, self.ncols
        full = len(flat) - len(flat) % width
        if full:
            self.db.executemany(self.many_sql, [flat[i:i + width] for i in range(0, full, width)])
        if full < len(flat):
            self.db.executemany(self.one_sql, [flat[i:i + ncols]
                                               for i in range(full, len(flat), ncols)])


class _CsvStream(io.TextIOBase):
    """A read()-able stream of CSV text made from batches of rows, for COPY."""

    def __init__(self, batches: Iterable[Rows], quoting: int) -> None:
        self._batches: Iterator[Rows] = iter(batches)
        self._quoting = quoting
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        while not self._buffer:
            batch = next(self._batches, None)
            if batch is None:
                return ""
            out = io.StringIO()
            csv.writer(out, lineterminator="\n", quoting=self._quoting).writerows(batch)
            self._buffer = out.getvalue()
        if size is None or size < 0:
            size = len(self._buffer)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk


def copy_rows(db: Db, table: str, ncols: int, batches: Iterable[Rows]) -> None:
    """COPY the batches into the staging table (PostgreSQL)."""
    # An unquoted empty field is NULL in COPY's CSV format; the reader yields None for
    # empty cells, which csv.writer writes as an unquoted empty field. A one-column row
    # would be a blank line or a lone "\." (COPY's end marker): those are quoted, and
    # the empty strings that makes are turned back into NULL by the typed copy.
    quoting = csv.QUOTE_ALL if ncols == 1 else csv.QUOTE_MINIMAL
    cols = ", ".join(staged_names(ncols))
    db.cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)",
                       _CsvStream(batches, quoting), size=1 << 20)
