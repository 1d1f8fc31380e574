"""datastore_search_sql: one SELECT over datastore tables, checked twice.

1. Parsed with sqlglot before anything runs: exactly one statement, a SELECT
   (or UNION/INTERSECT/EXCEPT of SELECTs); no INTO, FOR UPDATE, writing or
   recursive CTE; every function on the allow-list below, called unqualified; casts
   to plain types only. Then resolved (sql_scope.py): every table reference through
   the CTEs visible where it stands, each real table a resource id the caller may
   read (`allowed` is asked per name), no alias named like a table or catalog;
   and bounded (sql_growth.py): no value may grow past a fixed size (the string bomb).
   On PostgreSQL what runs is the statement sqlglot regenerates from the tree it
   checked (without comments), so the database cannot read a different statement than
   the parser did (string escapes, comments, dollar quoting); default column names are
   then those of the regenerated expressions (substr(...) is named substring).
2. Run where writing is impossible anyway and reading is narrowed to the datastore:
   SQLite opens the datastore file read-only (mode=ro), an authorizer allows only
   SELECT, reads of the tables cleared in step 1 and the allow-listed functions, and
   SQLITE_LIMIT_LENGTH caps every string; PostgreSQL runs it in a READ ONLY transaction
   as a role that reads only the datastore schema's tables (backends.py), with
   statement_timeout, work_mem and temp_file_limit set for the transaction.
   Rows are fetched in batches and reading stops at datastore.sql_rows_max rows or
   datastore.sql_bytes_max bytes (`records_truncated`), or at the time limit.

The check in step 1 is what keeps an unpublished dataset's table out of reach;
step 2 is there in case the parser and the database ever read a statement differently.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from portal.core.errors import ValidationError
from portal.datastore import sql_growth, sql_scope
from portal.datastore.backends import Backend, Db, PostgresBackend, QueryTimeout, SqliteBackend
from portal.datastore.limits import ResultBudget
from portal.datastore.values import jsonable

# sqlglot expression classes (the functions as sqlglot understands them) that may appear.
ALLOWED_CLASSES = {
    "Count", "Sum", "Avg", "Min", "Max", "Lower", "Upper", "Length", "Substring", "Round",
    "Abs", "Coalesce", "Cast", "Nullif", "Case", "If", "Trim", "Replace", "StrPosition",
    "Date", "Datetime", "Time", "TimeToStr", "DateTrunc", "TimestampTrunc", "Extract",
    "Floor", "Ceil", "Greatest", "Least", "Anonymous", "TsOrDsToTimestamp", "StrToDate",
    "Exists",
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
# Types a value may be cast to (sqlglot's names): no reg* casts looking into the catalog.
ALLOWED_TYPES = {
    "TEXT", "VARCHAR", "CHAR", "NCHAR", "NVARCHAR", "BPCHAR", "INT", "BIGINT", "SMALLINT",
    "TINYINT", "MEDIUMINT", "DECIMAL", "DOUBLE", "FLOAT", "DATE", "DATETIME", "TIMESTAMP",
    "TIMESTAMPTZ", "TIME", "TIMETZ", "BOOLEAN", "INTERVAL",
}
SQL_CHARS_MAX = 20_000  # the statement's length (parsing is work for the portal's CPU)
NODES_MAX = 10_000  # expression nodes in the statement's tree
BATCH_ROWS = 500  # rows fetched at a time
DEFAULT_BYTES_MAX = 16 * 2**20


@dataclass(frozen=True)
class Checked:
    sql: str  # as sent (echoed in the result)
    tables: list[str]  # the resource ids read
    statement: str = ""  # what runs: regenerated from the checked tree (`sql` if empty)


def _refuse(reason: str) -> ValidationError:
    return ValidationError({"sql": [reason]})


def _function_name(node: exp.Func) -> str:
    return node.name.lower() if isinstance(node, exp.Anonymous) else type(node).__name__


def _no_names_taken(names: set[str]) -> set[str]:
    return set()


def check(sql: Any, dialect: str, schema: str | None, allowed: Callable[[str], bool],
          taken: Callable[[set[str]], set[str]] = _no_names_taken) -> Checked:
    """Parse, resolve and vet the statement; ValidationError (409) or NotAuthorized (403)
    says why. `taken`: which of some names (lower case) are relations of the database or
    resource ids, which no alias may bear."""
    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("Missing value: one SELECT statement")
    if len(sql) > SQL_CHARS_MAX:
        raise _refuse(f"The statement is longer than {SQL_CHARS_MAX} characters")
    if "\x00" in sql or _not_text(sql):
        raise _refuse("The statement is not valid text (a NUL character or a lone "
                      "surrogate)")
    try:
        return _check(sql, dialect, schema, allowed, taken)
    except RecursionError:
        raise _refuse("The statement is nested too deeply") from None


def _not_text(sql: str) -> bool:
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(sql: str, dialect: str, schema: str | None, allowed: Callable[[str], bool],
           taken: Callable[[set[str]], set[str]]) -> Checked:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(f"The SQL could not be read: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise _refuse("Only a single statement is allowed")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        raise _refuse(f"Only SELECT is allowed, not {tree.key.upper()}")
    for count, node in enumerate(tree.walk()):
        if count >= NODES_MAX:
            raise _refuse(f"The statement is too complex (more than {NODES_MAX} parts)")
        _vet(node)
    resolved = sql_scope.normalized(tree, dialect)
    sql_scope.check_aliases(resolved, taken)
    all_scopes = sql_scope.scopes(resolved)
    tables = sql_scope.tables_read(resolved, all_scopes, schema, allowed)
    sql_growth.check(all_scopes)
    if dialect == "sqlite":
        # The authorizer holds SQLite to the tables checked, whatever it reads; the text
        # runs as sent (its default column names are the expressions as written).
        return Checked(sql, tables)
    try:
        statement = tree.sql(dialect=dialect, comments=False)
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(f"The SQL could not be written back: {str(exc).splitlines()[0]}") \
            from None
    return Checked(sql, tables, statement)


def _vet(node: exp.Expression) -> None:
    if isinstance(node, FORBIDDEN_NODES):
        raise _refuse(f"Only reading is allowed ({node.key.upper()} is not)")
    if isinstance(node, exp.With) and node.args.get("recursive"):
        raise _refuse("Recursive queries are not allowed")
    if isinstance(node, exp.Func) and not _function_allowed(node):
        raise _refuse(f"The function {_function_name(node)} is not allowed")
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        raise _refuse(f"Functions are called by their name alone, not {node.sql()!r}")
    if isinstance(node, exp.Cast) and _cast_type(node) not in ALLOWED_TYPES:
        raise _refuse(f"Casting to {node.args['to'].sql()} is not allowed")


def _cast_type(node: exp.Cast) -> str:
    to = node.args.get("to")
    if isinstance(to, exp.DataType) and isinstance(to.this, exp.DataType.Type):
        return to.this.name
    return ""


def _function_allowed(node: exp.Func) -> bool:
    if isinstance(node, exp.Anonymous):
        quoted = isinstance(node.this, exp.Identifier) and node.this.quoted
        return node.name.lower() in ALLOWED_NAMES and not (quoted and node.name != node.name.lower())
    return type(node).__name__ in ALLOWED_CLASSES


def relations_named(backend: Backend, names: set[str]) -> set[str]:
    """Which of `names` (lower case) are relations of the datastore's database (its
    tables, indexes, and on PostgreSQL every relation of the database, catalogs too)."""
    if not names:
        return set()
    wanted = sorted(names)
    if isinstance(backend, SqliteBackend):
        with backend.transaction(write=False) as db:
            rows = db.all("SELECT lower(name) FROM sqlite_master WHERE lower(name) IN "
                          f"({backend.params(len(wanted))})", wanted)
    else:
        with backend.transaction(write=False) as db:
            rows = db.all("SELECT lower(relname) FROM pg_catalog.pg_class "
                          "WHERE lower(relname) = ANY(%s)", [wanted])
    return {r[0] for r in rows}


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


def _fetch(cursor: Any, budget: ResultBudget, deadline: float) -> list[tuple[Any, ...]]:
    """Rows in batches until the result ends or the budget is spent."""
    rows: list[tuple[Any, ...]] = []
    while batch := cursor.fetchmany(BATCH_ROWS):
        for row in batch:
            if not budget.take(row):
                return rows
            rows.append(row)
        if time.monotonic() > deadline:
            raise QueryTimeout("the rows took too long to read")
    return rows


def _run_sqlite(backend: SqliteBackend, checked: Checked, timeout_ms: int,
                budget: ResultBudget) -> tuple[list[str], list[tuple[Any, ...]]]:
    conn = backend.connect(read_only=True)
    try:
        # No string, blob or row may grow past the byte cap (the string bomb).
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(2**16, budget.bytes_max))
        conn.set_authorizer(_sqlite_authorizer(set(checked.tables)))
        db = Db(backend, conn)
        with backend.time_limit(db, timeout_ms):
            cursor = conn.cursor()
            cursor.execute(checked.statement or checked.sql)
            columns = [d[0] for d in cursor.description or ()]
            rows = _fetch(cursor, budget, time.monotonic() + timeout_ms / 1000)
    except sqlite3.DatabaseError as exc:
        raise _refuse(f"The database refused the query: {exc}") from None
    finally:
        conn.close()
    return columns, rows


@dataclass(frozen=True)
class PgLimits:
    """Set for the transaction (SET LOCAL) before the statement runs."""

    timeout_ms: int
    work_mem: str = "4MB"
    temp_file_limit: str = "64MB"


@contextmanager
def _postgres_errors(timeout_ms: int) -> Iterator[None]:
    import psycopg2
    import psycopg2.errors

    try:
        yield
    except psycopg2.errors.QueryCanceled:
        raise QueryTimeout(f"{timeout_ms} ms") from None
    except psycopg2.Error as exc:
        raise _refuse("The database refused the query: "
                      f"{str(exc).strip().splitlines()[0]}") from None


def _limit_postgres(db: Db, backend: PostgresBackend, limits: PgLimits) -> None:
    """Time, memory and temporary files for this transaction, then the read-only role."""
    import psycopg2.errors

    from portal.datastore.names import quote

    db.execute("SELECT set_config('statement_timeout', %s, true), "
               "set_config('work_mem', %s, true), set_config('search_path', %s, true)",
               (str(int(limits.timeout_ms)), limits.work_mem, quote(backend.schema or "")))
    # temp_file_limit is a superuser's setting (or GRANT SET ON PARAMETER): set when allowed.
    db.execute("SAVEPOINT sql_limits")
    try:
        db.execute("SELECT set_config('temp_file_limit', %s, true)", (limits.temp_file_limit,))
        db.execute("RELEASE SAVEPOINT sql_limits")
    except psycopg2.errors.InsufficientPrivilege:
        db.execute("ROLLBACK TO SAVEPOINT sql_limits")
    db.execute(f"SET LOCAL ROLE {backend.quote(backend.reader_role)}")


def _run_postgres(backend: PostgresBackend, checked: Checked, limits: PgLimits,
                  budget: ResultBudget) -> tuple[list[str], list[tuple[Any, ...]]]:
    with _postgres_errors(limits.timeout_ms), backend.transaction(write=False) as db:
        _limit_postgres(db, backend, limits)
        # A server-side cursor: rows come in batches, and stopping early stops the query.
        cursor = db.conn.cursor(name=f"sql_{uuid.uuid4().hex}")
        cursor.itersize = BATCH_ROWS
        cursor.execute(checked.statement or checked.sql)  # no parameters: % left alone
        rows = _fetch(cursor, budget, time.monotonic() + limits.timeout_ms / 1000)
        columns = [d[0] for d in cursor.description or ()]
        cursor.close()
    return columns, rows


def run(backend: Backend, checked: Checked, timeout_ms: int, rows_max: int, *,
        bytes_max: int = DEFAULT_BYTES_MAX, work_mem: str = "4MB",
        temp_file_limit: str = "64MB") -> dict[str, Any]:
    """Run a checked statement where it cannot write; CKAN's result shape."""
    budget = ResultBudget(rows_max, bytes_max)
    try:
        if isinstance(backend, SqliteBackend):
            columns, rows = _run_sqlite(backend, checked, timeout_ms, budget)
        elif isinstance(backend, PostgresBackend):
            columns, rows = _run_postgres(
                backend, checked, PgLimits(timeout_ms, work_mem, temp_file_limit), budget)
        else:
            raise _refuse("datastore_search_sql: no such datastore backend")
    except QueryTimeout:
        raise ValidationError({"query": [f"The query took longer than {timeout_ms} ms and was "
                                         "stopped"]}) from None
    records = [{c: jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    return {"sql": checked.sql, "records": records, "fields": _fields(columns, records),
            "records_truncated": budget.truncated}


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
