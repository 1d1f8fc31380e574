"""datastore_search_sql: one SELECT over datastore tables, checked twice.

1. Parsed with sqlglot before anything runs: exactly one statement, a SELECT
   (or UNION/INTERSECT/EXCEPT of SELECTs); no INTO, FOR UPDATE, writing or
   recursive CTE; every function on the allow-list below; every table a
   resource id the caller may read (`allowed` is asked per name) or a CTE
   of the query itself.
2. Run where writing is impossible anyway: SQLite opens the datastore file
   read-only (mode=ro) and an authorizer allows only SELECT, reads of the
   tables cleared in step 1 and the allow-listed functions; PostgreSQL runs
   it in a READ ONLY transaction with search_path set to the datastore
   schema. Both stop it after datastore.sql_timeout_ms and return at most
   datastore.sql_rows_max rows (`records_truncated` says when more matched).

The check in step 1 is what keeps an unpublished dataset's table out of
reach; step 2 is there in case the parser and the database ever read a
statement differently.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from portal.core.errors import NotAuthorized, ValidationError
from portal.datastore.backends import Backend, Db, QueryTimeout, SqliteBackend
from portal.datastore.values import jsonable

# sqlglot expression classes (the functions as sqlglot understands them) that may appear.
ALLOWED_CLASSES = {
    "Count", "Sum", "Avg", "Min", "Max", "Lower", "Upper", "Length", "Substring", "Round",
    "Abs", "Coalesce", "Cast", "Nullif", "Case", "If", "Trim", "Replace", "StrPosition",
    "Date", "Datetime", "Time", "TimeToStr", "DateTrunc", "TimestampTrunc", "Extract",
    "Floor", "Ceil", "Greatest", "Least", "Anonymous", "TsOrDsToTimestamp", "StrToDate",
}
# Names of functions sqlglot does not know (Anonymous) that may appear.
ALLOWED_NAMES = {
    "count", "sum", "avg", "min", "max", "total", "lower", "upper", "length", "substr",
    "substring", "round", "abs", "coalesce", "ifnull", "nullif", "iif", "date", "time",
    "datetime", "julianday", "strftime", "date_part", "date_trunc", "to_char", "to_date",
    "trim", "ltrim", "rtrim", "replace", "instr", "floor", "ceil", "ceiling",
}
# What SQLite's authorizer lets the statement call (LIKE and GLOB are functions there).
SQLITE_FUNCTIONS = ALLOWED_NAMES | {"like", "glob", "typeof"}
FORBIDDEN_NODES = (exp.Into, exp.Lock, exp.Insert, exp.Update, exp.Delete, exp.Merge,
                   exp.Create, exp.Drop, exp.Command, exp.Pragma)


@dataclass(frozen=True)
class Checked:
    sql: str
    tables: list[str]  # the resource ids read


def _refuse(reason: str) -> ValidationError:
    return ValidationError({"sql": [reason]})


def _function_name(node: exp.Func) -> str:
    return node.name.lower() if isinstance(node, exp.Anonymous) else type(node).__name__


def check(sql: Any, dialect: str, schema: str | None,
          allowed: Callable[[str], bool]) -> Checked:
    """Parse and vet the statement; ValidationError (409) or NotAuthorized (403) says why."""
    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("Missing value: one SELECT statement")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(f"The SQL could not be read: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise _refuse("Only a single statement is allowed")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        raise _refuse(f"Only SELECT is allowed, not {tree.key.upper()}")
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise _refuse(f"Only reading is allowed ({node.key.upper()} is not)")
        if isinstance(node, exp.With) and node.args.get("recursive"):
            raise _refuse("Recursive queries are not allowed")
        if isinstance(node, exp.Func) and not _function_allowed(node):
            raise _refuse(f"The function {_function_name(node)} is not allowed")
    return Checked(sql, _tables(tree, schema, allowed))


def _function_allowed(node: exp.Func) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ALLOWED_NAMES
    return type(node).__name__ in ALLOWED_CLASSES


def _tables(tree: exp.Expression, schema: str | None, allowed: Callable[[str], bool]
            ) -> list[str]:
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    read: list[str] = []
    for table in tree.find_all(exp.Table):
        name, qualifier = table.name, table.db
        if not name or table.catalog or (qualifier and qualifier != schema):
            raise NotAuthorized(f"datastore_search_sql reads datastore tables only: "
                                f"{table.sql()!r} is not one")
        if name in ctes and not qualifier:
            continue
        if not allowed(name):
            raise NotAuthorized(f"datastore_search_sql: there is no table \"{name}\" you may "
                                "read (tables are named by resource id)")
        read.append(name)
    return sorted(set(read))


def _sqlite_authorizer(tables: set[str]) -> Callable[..., int]:
    def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None,
                  source: str | None) -> int:
        if action == sqlite3.SQLITE_SELECT:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and arg1 in tables:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in SQLITE_FUNCTIONS:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


def _execute(db: Db, checked: Checked, timeout_ms: int, rows_max: int
             ) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    try:
        with db.backend.time_limit(db, timeout_ms):
            db.cur.execute(checked.sql)  # no parameters: psycopg2 leaves % signs alone
            columns = db.columns()
            rows = db.cur.fetchmany(rows_max + 1)
    except QueryTimeout:
        raise ValidationError({"query": [f"The query took longer than {timeout_ms} ms and was "
                                         "stopped"]}) from None
    return columns, rows[:rows_max], len(rows) > rows_max


def run(backend: Backend, checked: Checked, timeout_ms: int, rows_max: int
        ) -> dict[str, Any]:
    """Run a checked statement where it cannot write; CKAN's result shape."""
    if isinstance(backend, SqliteBackend):
        conn = backend.connect(read_only=True)
        conn.set_authorizer(_sqlite_authorizer(set(checked.tables)))
        try:
            columns, rows, truncated = _execute(Db(backend, conn), checked, timeout_ms,
                                                rows_max)
        except sqlite3.DatabaseError as exc:
            raise _refuse(f"The database refused the query: {exc}") from None
        finally:
            conn.close()
    else:
        import psycopg2

        try:
            with backend.transaction(write=False) as db:
                db.execute(f"SET LOCAL search_path = {backend.quote(backend.schema or '')}")
                columns, rows, truncated = _execute(db, checked, timeout_ms, rows_max)
        except psycopg2.Error as exc:
            raise _refuse("The database refused the query: "
                          f"{str(exc).strip().splitlines()[0]}") from None
    records = [{c: jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    return {"sql": checked.sql, "records": records, "fields": _fields(columns, records),
            "records_truncated": truncated}


def _fields(columns: list[str], records: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Types read from the values (a computed column has no declared type)."""
    def kind(name: str) -> str:
        value = next((r[name] for r in records if r[name] is not None), None)
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "numeric"
        return "text"

    return [{"id": c, "type": kind(c)} for c in columns]
