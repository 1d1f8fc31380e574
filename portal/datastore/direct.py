"""SQLite's fast path: rows straight into the new table, typed as the first batch says.

Staging every cell as text and copying it into a typed table costs a second
write of the whole table (2M rows: ~4 s here, against ~11 s for reading and
writing once). Files are mostly regular: the first batch's types hold to the
end. So the new table (under a temporary name, invisible to readers) is
created with column affinities from the first batch's types, SQLite converts
"460" and "4954.35" to numbers in C as rows are inserted, and every batch is
checked (coltypes.ColumnTyper, exactly the reference rules) before it is
written:

- a column may widen where the stored values stay right: integer -> number
  (an INTEGER column keeps 4954.35 as a REAL), date -> datetime (dates get
  " 00:00:00" at the end), and a column kept raw (no values in the first
  batch, or mobile numbers so far) may become anything: it is cast at the end;
- a typed column that turns out to be text (a "N/A" in row 1,900,000) raises
  `Restart`: the partial table is dropped and the loader stages the file as
  text instead (the exact path). Slower for such files, never wrong.

Commits come every COMMIT_ROWS rows, and between them the load waits while
an action of this process waits for the datastore file's lock, so a
datastore_upsert is not held up by a long load; the table is not visible
before the swap.
"""

from __future__ import annotations

from portal.datastore import Column
from portal.datastore.backends import Db
from portal.datastore.casts import sqlite_cast
from portal.datastore.coltypes import ColumnTyper, stored
from portal.datastore.names import FROM_INFERRED
from portal.datastore.staging import Flat, FlatInserter

COMMIT_ROWS = 200_000
DECLARED = {"raw": "", "integer": "INTEGER", "number": "REAL", "date": "TEXT",
            "datetime": "TEXT", "text": "TEXT"}
# What a column planned as the key may become without rewriting what is stored.
ALLOWED = {
    "integer": {"integer", "number"},
    "number": {"number"},
    "date": {"date", "datetime", "text"},  # text: only while nothing was converted
    "datetime": {"datetime", "text"},
    "text": {"text"},
}


class Restart(Exception):
    """The first batch's types were wrong in a way the stored rows cannot follow."""


class DirectWriter:
    def __init__(self, db: Db, table: str, ids: list[str]) -> None:
        self.db = db
        self.table = table
        self.ids = ids
        self.typer = ColumnTyper(len(ids))
        self.plans: list[str] = []
        self.converted = [False] * len(ids)
        self.rows = 0
        self._since_commit = 0
        self._inserter: FlatInserter | None = None

    def _create(self) -> None:
        """The table, with affinities from the types of the first batch."""
        b = self.db.backend
        for state, mobile in zip(self.typer.state, self.typer.mobile, strict=True):
            raw = state is None or (state == "integer" and mobile)
            self.plans.append("raw" if raw else state)  # type: ignore[arg-type]
        cols = [b.id_column()] + [f"{b.quote(c)} {DECLARED[p]}".rstrip()
                                  for c, p in zip(self.ids, self.plans, strict=True)]
        self.db.execute(f"CREATE TABLE {b.table(self.table)} ({', '.join(cols)})")
        self._inserter = FlatInserter(self.db, b.table(self.table),
                                      [b.quote(c) for c in self.ids])

    def write(self, flat: Flat, nrows: int) -> None:
        irregular = self.typer.feed(flat)
        if self._inserter is None:
            self._create()
        self._check()
        ncols = len(self.ids)
        for i in irregular:
            if self.plans[i] in ("date", "datetime"):
                kind = self.typer.state[i]
                flat[i::ncols] = [stored(kind, v) for v in flat[i::ncols]]  # type: ignore[arg-type]
                self.converted[i] = True
        assert self._inserter is not None
        self._inserter.insert(flat)
        self.rows += nrows
        self._since_commit += nrows
        if self._since_commit >= COMMIT_ROWS:
            self.db.execute("COMMIT")
            self.db.backend.yield_to_writers()  # type: ignore[attr-defined]
            self.db.backend.begin_write(self.db.conn)  # type: ignore[attr-defined]
            self._since_commit = 0

    def _check(self) -> None:
        for i, (plan, state) in enumerate(zip(self.plans, self.typer.state, strict=True)):
            if plan == "raw" or state is None:
                continue
            if state not in ALLOWED[plan] or (state == "text" and self.converted[i]):
                raise Restart(f"column {self.ids[i]!r} became {state} after looking {plan}")

    def finish(self) -> list[Column]:
        """Cast the raw columns and widen dates to datetimes; the logical columns."""
        b = self.db.backend
        kinds = self.typer.kinds
        sets = []
        for i, (plan, kind) in enumerate(zip(self.plans, kinds, strict=True)):
            q = b.quote(self.ids[i])
            if plan == "raw" and kind != "text":
                sets.append(f"{q} = {sqlite_cast(kind, q, self.typer.irregular[i])}")
            elif plan == "date" and kind == "datetime":
                sets.append(f"{q} = CASE WHEN length({q}) = 10 THEN {q} || ' 00:00:00' "
                            f"ELSE {q} END")
        if sets:
            self.db.execute(f"UPDATE {b.table(self.table)} SET {', '.join(sets)}")
        return [Column(c, FROM_INFERRED[k]) for c, k in zip(self.ids, kinds, strict=True)]
