"""Staged text -> typed values, in SQL, once the column types are known.

SQLite keeps dates as YYYY-MM-DD text and timestamps as YYYY-MM-DD HH:MM:SS
(its own date functions' format, and sortable); canonical values are kept as
they are and the rest go through the reference converter, registered as a
function. PostgreSQL converts every accepted form with translate() and its
own casts.
"""

from __future__ import annotations

import sqlite3

from portal.datastore.coltypes import stored


def sqlite_cast(kind: str, column: str, irregular: bool) -> str:
    """The SQL turning a staged value into its typed form; `irregular`: the column has
    values not in canonical form (they need the reference converter)."""
    if kind == "integer":
        return f"CAST({column} AS INTEGER)"
    if kind == "number":
        return f"CAST({column} AS REAL)"
    if kind in ("date", "datetime") and irregular:
        return f"_ds_{kind}({column})"
    return column


def register_sqlite_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("_ds_date", 1, lambda v: stored("date", v), deterministic=True)
    conn.create_function("_ds_datetime", 1, lambda v: stored("datetime", v),
                         deterministic=True)


def pg_cast(kind: str, column: str, irregular: bool) -> str:
    """The SQL turning a staged PostgreSQL text value into its typed form."""
    v = f"NULLIF({column}, '')"
    if kind == "integer":
        return f"{v}::bigint"
    if kind == "number":
        return f"{v}::numeric"
    # Checked values only: 2024-3-5, 2024/3/5 or 2024年3月5日, maybe a time after a T or space.
    iso = f"translate({v}, '/年月T日', '--- ')"
    if kind == "date":
        return (f"make_date(split_part({iso}, '-', 1)::int, split_part({iso}, '-', 2)::int, "
                f"split_part({iso}, '-', 3)::int)")
    if kind == "datetime":
        return f"({iso})::timestamp"
    return v
