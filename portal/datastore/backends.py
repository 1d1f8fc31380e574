"""Where datastore tables live: an SQLite file of their own, or a PostgreSQL schema.

Both backends hand out `Db`, one DB-API connection inside one transaction,
and differ only in the SQL snippets below (placeholders, column types,
case-insensitive LIKE, the table name's schema). Everything above this module
writes SQL once.

SQLite: `<var_dir>/datastore.db` in WAL mode, so searches keep reading the
previous table while a load writes its replacement; connections are kept per
thread (opening one costs a schema parse that grows with the number of
tables). PostgreSQL: schema `datastore` in the main database (or the database
of `datastore.url`), reached through SQLAlchemy's connection pool.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from portal.datastore.names import quote
from portal.settings import private_sqlite

META_TABLE = "_table_metadata"

log = logging.getLogger(__name__)


class QueryTimeout(Exception):
    """A statement ran past its time limit and was stopped."""


class Db:
    """One connection in one transaction; `?`-free SQL: use `backend.param`."""

    def __init__(self, backend: Backend, conn: Any) -> None:
        self.backend = backend
        self.conn = conn
        self.cur = conn.cursor()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.cur.execute(sql, tuple(params))
        return self.cur

    def executemany(self, sql: str, rows: Any) -> None:
        self.cur.executemany(sql, rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.execute(sql, params).fetchone()

    def columns(self) -> list[str]:
        return [d[0] for d in self.cur.description or ()]

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 4096
               ) -> Iterator[list[tuple[Any, ...]]]:
        """Rows in batches, read lazily (a server-side cursor on PostgreSQL): stopping
        early stops the query."""
        if self.backend.dialect == "postgresql":
            cur = self.conn.cursor(name=f"stream_{uuid.uuid4().hex}")
            cur.itersize = size
        else:
            cur = self.conn.cursor()
        try:
            cur.execute(sql, tuple(params))
            while rows := cur.fetchmany(size):
                yield rows
        finally:
            cur.close()


class Backend:
    dialect = ""
    param = "?"
    schema: str | None = None
    # Logical type -> declared SQL type.
    sql_types: dict[str, str] = {}

    def quote(self, name: str) -> str:
        return quote(name)

    def table(self, name: str) -> str:
        """The qualified SQL name of a datastore table."""
        return self.quote(name) if not self.schema else f"{self.quote(self.schema)}.{self.quote(name)}"

    def params(self, count: int) -> str:
        return ", ".join([self.param] * count)

    def like(self, expr: str) -> str:
        """A case-insensitive substring test against one parameter (a LIKE pattern)."""
        raise NotImplementedError

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"

    def id_column(self) -> str:
        raise NotImplementedError

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Db]:
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def time_limit(self, db: Db, milliseconds: int) -> Iterator[None]:
        """Stop the statements run inside after `milliseconds` (QueryTimeout)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def ensure_schema(self) -> None:
        with self.transaction(write=True) as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table(META_TABLE)} ("
                       "name TEXT PRIMARY KEY, fields TEXT NOT NULL, "
                       "primary_key TEXT NOT NULL DEFAULT '[]')")

    def dispose(self) -> None:
        pass


class SqliteBackend(Backend):
    dialect = "sqlite"
    param = "?"
    sql_types = {"text": "TEXT", "integer": "INTEGER", "numeric": "REAL", "date": "TEXT",
                 "timestamp": "TEXT"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.waiting_writers = 0
        private_sqlite(path)  # 0600 (and so its -wal, -shm): it holds raw drafts
        self.ensure_schema()

    def connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        """A new connection in autocommit mode (transactions are begun explicitly)."""
        if read_only:
            uri = f"file:{self.path}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=30)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-16000")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def like(self, expr: str) -> str:
        # SQLite's LIKE ignores case (for ASCII letters) already.
        return f"{expr} LIKE ? ESCAPE '\\'"

    def id_column(self) -> str:
        return '"_id" INTEGER PRIMARY KEY'

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Db]:
        conn = self._conn()
        if conn.in_transaction:  # a nested use on this thread: share the transaction
            yield Db(self, conn)
            return
        if write:
            self.begin_write(conn)
        else:
            conn.execute("BEGIN")
        try:
            yield Db(self, conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def begin_write(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, letting a long load in this process know someone waits."""
        with self._lock:
            self.waiting_writers += 1
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            with self._lock:
                self.waiting_writers -= 1

    def yield_to_writers(self, at_most: float = 2.0) -> None:
        """Called by a long load between its commits: SQLite's lock is not fair (the
        loader would take it back at once), so wait while an action of this process
        is waiting for it."""
        deadline = time.monotonic() + at_most
        while self.waiting_writers and time.monotonic() < deadline:
            time.sleep(0.005)

    @contextmanager
    def time_limit(self, db: Db, milliseconds: int) -> Iterator[None]:
        # The progress handler runs every 10,000 virtual machine steps (well under a
        # millisecond); returning non-zero interrupts the statement.
        end = time.monotonic() + milliseconds / 1000
        db.conn.set_progress_handler(lambda: int(time.monotonic() > end), 10_000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout(str(exc)) from None
            raise
        finally:
            db.conn.set_progress_handler(None, 0)

    def dispose(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class PostgresBackend(Backend):
    dialect = "postgresql"
    param = "%s"
    sql_types = {"text": "text", "integer": "bigint", "numeric": "numeric", "date": "date",
                 "timestamp": "timestamp"}

    def __init__(self, url: str, schema: str = "datastore") -> None:
        from sqlalchemy import create_engine

        self.schema = schema
        # datastore_search_sql runs as this role (SET LOCAL ROLE): see ensure_reader_role.
        self.reader_role = f"shuyuan_{schema}_reader"[:63]
        self.engine = create_engine(url, pool_pre_ping=True, future=True)
        self.ensure_schema()
        self.ensure_reader_role()

    def quote(self, name: str) -> str:
        # psycopg2 formats every statement run with parameters: a % in a name doubles.
        return quote(name).replace("%", "%%")

    def like(self, expr: str) -> str:
        return f"{expr} ILIKE %s ESCAPE '\\'"

    def id_column(self) -> str:
        return '"_id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY'

    def connect(self) -> Any:
        return self.engine.raw_connection()

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Db]:
        conn = self.connect()
        try:
            cur = conn.cursor()
            if not write:
                # One snapshot for the fields and the rows a search reads.
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield Db(self, conn)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()  # back to the pool

    @contextmanager
    def time_limit(self, db: Db, milliseconds: int) -> Iterator[None]:
        import psycopg2.errors

        db.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        try:
            yield
        except psycopg2.errors.QueryCanceled as exc:
            raise QueryTimeout(str(exc).strip()) from None

    def ensure_schema(self) -> None:
        import psycopg2.errors

        try:
            with self.transaction(write=True) as db:
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {self.quote(self.schema or 'datastore')}")
                db.execute(f"CREATE TABLE IF NOT EXISTS {self.table(META_TABLE)} ("
                           "name TEXT PRIMARY KEY, fields TEXT NOT NULL, "
                           "primary_key TEXT NOT NULL DEFAULT '[]')")
        except psycopg2.errors.UniqueViolation:
            pass  # another process created them at the same moment

    def ensure_reader_role(self) -> None:
        """The role datastore_search_sql runs as: it cannot log in, and reads the tables of
        the datastore schema only (those created later too: default privileges of the
        portal's user, who creates them), not the metadata table. Without the right to
        create it (CREATEROLE) the role is left to the administrator, and until it exists
        every SQL query is refused (SET ROLE fails): nothing runs as the portal's user."""
        import psycopg2.errors

        role, schema = self.quote(self.reader_role), self.quote(self.schema or "datastore")
        for attempt in range(3):  # another process may create or grant at the same moment
            try:
                with self.transaction(write=True) as db:
                    if db.one("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s",
                              (self.reader_role,)) is None:
                        db.execute(f"CREATE ROLE {role} NOLOGIN NOINHERIT NOSUPERUSER "
                                   "NOCREATEDB NOCREATEROLE NOBYPASSRLS")
                    db.execute(f"GRANT {role} TO CURRENT_USER")
                    db.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
                    db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
                    db.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                               f"GRANT SELECT ON TABLES TO {role}")
                    db.execute(f"REVOKE ALL ON {self.table(META_TABLE)} FROM {role}")
                return
            except psycopg2.errors.InsufficientPrivilege as exc:
                log.warning("datastore: the role %s cannot be made or granted (%s); "
                            "datastore_search_sql is refused until it is",
                            self.reader_role, str(exc).strip().splitlines()[0])
                return
            except psycopg2.Error as exc:
                if attempt == 2:
                    log.warning("datastore: setting up the role %s failed: %s",
                                self.reader_role, str(exc).strip().splitlines()[0])
                time.sleep(0.05 * (attempt + 1))

    def dispose(self) -> None:
        self.engine.dispose()
