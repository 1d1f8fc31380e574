"""One Portal per test module, each test inside a database transaction rolled back at its
end (the way datagov-catalog's fixtures do it), instead of emptying every table and
building a Portal and a search index for every test.

How (see `SharedPortal`):

- The module's portal is built once on emptied tables; its search index is created then
  and committed (the `search_state` row names it).
- Its session factory is then bound to one connection, with
  `join_transaction_mode="create_savepoint"`. Each test begins a transaction on that
  connection; the actions' own `session.begin()`/commit become SAVEPOINTs inside it, and
  the test's end rolls the whole transaction back: rows, outbox, audit chain head.
- SQLite: pysqlite starts transactions itself only before a write, so a SAVEPOINT issued
  first would be the outermost and its RELEASE would commit. The shared connection is
  put in autocommit mode and the transaction begun with an explicit BEGIN.
- Threads: the job queue's workers (datastore loads, the desensitization gate, mail) open
  sessions of the same factory, i.e. on the same connection. A session holds the
  connection's lock from its transaction's start to its end, so sessions of different
  threads take turns (a SAVEPOINT of one thread is never released inside another's).
  The search service's one bare `engine.connect()` (the live index name) goes through
  the same connection and lock.

What is not in the transaction, and is reset after each test: the search index (emptied
when the test wrote to it, other indexes the test made dropped), the blob folder and
anything else the test left in the var dir (the SQLite datastore file with it), the
clock, the portal's, mail sender's and search service's attributes a test replaced
(`settle_gate`, `actions`, `mail.clock`), a stopped job queue, mail timers, and the Flask
app's config. On PostgreSQL the datastore's tables live in the same database but are
written on the datastore's own connections, committed: they stay, named by resource ids
no later test reuses (as they did with a portal per test).

Tests this cannot serve (a CLI or second Portal reading what the test wrote, live
servers, restarts, rebuilds in worker processes) get a portal of their own: the
`fresh_portal` marker, applied in tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.orm import Session, SessionTransaction

from portal.jobs import JobQueue
from portal.models import Base
from portal.services import Portal
from portal.settings import Settings

log = logging.getLogger(__name__)

# How long a session waits for another thread's session to end before the test fails
# (instead of hanging): a test holding a session open while it waits for a job.
LOCK_TIMEOUT = 120.0
JOBS_TIMEOUT = 120.0


class _Epoch:
    """Bumped each time the tables are emptied: a shared portal whose baseline was
    wiped by another portal (a fresh one, a module's own) builds it again."""

    value = 0


def empty_tables(url: str) -> None:
    """Delete every row of every table and seed the audit chain's head (committed)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"),
                     {"h": "0" * 64})
    engine.dispose()
    _Epoch.value += 1


class _ConnectionLock:
    """The shared connection's turn: held by one thread from a session's transaction
    start to its end (re-entrant: nested sessions of one thread)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._held: set[int] = set()  # id() of root session transactions holding it

    def acquire(self) -> None:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            raise RuntimeError(
                f"the shared test connection stayed busy in another thread for "
                f"{LOCK_TIMEOUT:.0f} s (a session held open while waiting for a job?)")

    def release(self) -> None:
        self._lock.release()

    def begin(self, _session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.acquire()
            self._held.add(id(transaction))

    def end(self, _session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and id(transaction) in self._held:
            self._held.discard(id(transaction))
            self.release()


class _ConnectionAsEngine:
    """Stands in for SearchService.engine: `connect()` hands out the shared connection
    (not closed after use) in the connection's turn."""

    def __init__(self, shared: SharedPortal) -> None:
        self._shared = shared

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared.portal.engine, name)

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        lock = self._shared.lock
        lock.acquire()
        try:
            yield self._shared.conn
        finally:
            lock.release()


class _IndexWatch:
    """Notes whether a test wrote to the search backend, and which indexes it made."""

    def __init__(self, backend: Any) -> None:
        self.dirty = False
        self.created: set[str] = set()
        for name in ("write", "load", "drop"):
            setattr(backend, name, self._marking(getattr(backend, name)))
        create = backend.create

        def create_(index: str) -> None:
            self.dirty = True
            self.created.add(index)
            create(index)

        backend.create = create_

    def _marking(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def marked(*args: Any, **kwargs: Any) -> Any:
            self.dirty = True
            return func(*args, **kwargs)

        return marked


class SharedPortal:
    """A module's Portal; `test()` runs one test inside a transaction rolled back after."""

    _of: weakref.WeakKeyDictionary[Portal, SharedPortal] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, portal: Portal) -> SharedPortal | None:
        """The SharedPortal whose portal this is (None: a portal of a test's own)."""
        return cls._of.get(portal)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.database_url
        empty_tables(self.url)
        self.portal = Portal(settings)
        SharedPortal._of[self.portal] = self
        self.sqlite = self.portal.engine.dialect.name == "sqlite"
        self._app: Any = None
        self._app_config: dict[str, Any] = {}
        self.lock = _ConnectionLock()
        self._baseline()
        # The var dir as a test finds it; whatever a test adds is removed after it.
        self._var_entries = set(self.portal.var_dir.iterdir())
        self.index = _IndexWatch(self.portal.search.backend)
        self.conn = self.portal.engine.connect()
        if self.sqlite:
            self.conn.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]
            event.listen(self.conn, "begin", lambda c: c.exec_driver_sql("BEGIN"))
        factory = self.portal.session_factory
        event.listen(factory, "after_transaction_create", self._begin_turn)
        event.listen(factory, "after_transaction_end", self._end_turn)
        self._bind_shared()
        # What tests may replace: restored after each one.
        self._saved = {obj: dict(vars(obj)) for obj in self._restorable()}

    # --- binding -----------------------------------------------------------------------

    def _begin_turn(self, session: Session, transaction: SessionTransaction) -> None:
        if getattr(self, "_bound", False):
            self.lock.begin(session, transaction)

    def _end_turn(self, session: Session, transaction: SessionTransaction) -> None:
        self.lock.end(session, transaction)

    def _bind_shared(self) -> None:
        self.portal.session_factory.configure(bind=self.conn,
                                              join_transaction_mode="create_savepoint")
        self.portal.search.engine = _ConnectionAsEngine(self)  # type: ignore[assignment]
        self._bound = True

    def _bind_engine(self) -> None:
        self._bound = False
        factory = self.portal.session_factory
        factory.kw.pop("join_transaction_mode", None)
        factory.configure(bind=self.portal.engine)
        self.portal.search.engine = self.portal.engine

    def _baseline(self) -> None:
        """Committed: emptied tables, the search index created and named, caches warm."""
        search = self.portal.search
        search._generation, search._live = -1, ""
        self.portal._search_started = False
        self.portal.start_search()
        self.live = search.live_index()  # the name every rolled-back test comes back to
        search._generation, search._live = -1, ""
        self.portal.calendar  # noqa: B018 (read once, kept by the portal)
        self.epoch = _Epoch.value

    def _rebaseline(self) -> None:
        """Another portal emptied the tables since: start again from empty ones."""
        self._bind_engine()
        old = self.live
        try:
            empty_tables(self.url)
            self._baseline()
        finally:
            self._bind_shared()
        self.portal.search.backend.drop(old)
        self.index.dirty, self.index.created = False, set()

    def _restorable(self) -> list[Any]:
        return [self.portal, self.portal.mail, self.portal.search]

    # --- the app -----------------------------------------------------------------------

    def app(self) -> Any:
        """The Flask app over the module's portal (its templates compiled once)."""
        if self._app is None:
            from portal.app import create_app

            self._app = create_app(self.portal)
            self._app.config["TESTING"] = True
            self._app_config = dict(self._app.config)
        return self._app

    # --- one test ----------------------------------------------------------------------

    @contextlib.contextmanager
    def test(self) -> Iterator[Portal]:
        if _Epoch.value != self.epoch:
            self._rebaseline()
        self.portal.clock.set(None)
        trans = self.conn.begin()
        try:
            yield self.portal
        finally:
            self._end(trans)

    def _end(self, trans: Any) -> None:
        portal = self.portal
        if not portal.jobs.wait_idle(JOBS_TIMEOUT):
            log.warning("background jobs still running at the end of the test: stopping them")
            portal.jobs.stop(timeout=30)
        portal.mail.close()
        if trans.is_active:
            trans.rollback()
        if self.conn.in_transaction():  # a transaction a test began on the connection itself
            self.conn.rollback()
        # A session a test left open keeps its turn: the next test starts with a free one.
        self.lock = _ConnectionLock()
        self._restore()
        portal.clock.set(None)
        self._reset_files()

    def _restore(self) -> None:
        for obj, saved in self._saved.items():
            current = vars(obj)
            for key in [k for k in current if k not in saved]:
                del current[key]
            for key, value in saved.items():
                if current.get(key, _MISSING) is not value:
                    current[key] = value
        portal = self.portal
        if portal.jobs._stopped:  # a test stopped the queue: the next one gets a new one
            portal.jobs = portal.mail.jobs = JobQueue(portal.jobs.workers)
            self._saved[portal]["jobs"] = self._saved[portal.mail]["jobs"] = portal.jobs
        if self._app is not None:
            self._app.config.clear()
            self._app.config.update(self._app_config)

    def _reset_files(self) -> None:
        portal = self.portal
        search = portal.search
        if self.index.dirty:
            live = self.live
            for name in self.index.created - {live}:
                search.backend.drop(name)
            search.backend.drop(live)
            search.backend.create(live)
            search._generation, search._live = -1, ""
            self.index.dirty, self.index.created = False, set()
        var_dir = portal.var_dir
        added = set(var_dir.iterdir()) - self._var_entries if var_dir.is_dir() else set()
        if self.sqlite and any(p.name.startswith("datastore.db") for p in added):
            portal.datastore.dispose()
        for path in added:
            _remove(path)
        blobs = portal.blobs.root
        if blobs.is_dir():
            for path in blobs.iterdir():
                _remove(path)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.conn.in_transaction():
                self.conn.rollback()
        self._bind_engine()
        self.conn.close()
        self.portal.dispose()


_MISSING = object()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
