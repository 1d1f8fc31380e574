"""The transactional outbox between the catalog tables and the search index.

Every flush that changes what a dataset's package dict shows (the dataset,
its resources and their datastore status, its organization's or a group's
name and title) writes the dataset's id to `search_outbox` on the same
connection, so the row commits or rolls back with the change. After the
commit the portal drains the outbox into the index (`SearchService.drain`);
a process killed in between leaves the rows, and the next drain (at start,
before a search, after a write) applies them.

The drain lock serialises drains across threads and processes without
blocking catalog writes: a file lock beside a SQLite database (one machine),
a PostgreSQL advisory lock otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal.models import Dataset, DatastoreTable, Group, Organization, Resource, SearchOutbox
from portal.models.catalog import dataset_group

_QUEUED = "search_outbox_queued"
ADVISORY_KEY = 0x5359_5345  # "SYSE"


def _queue(session: Session, dataset_ids: set[str]) -> None:
    queued: set[str] = session.info.setdefault(_QUEUED, set())
    fresh = sorted(i for i in dataset_ids - queued if i)
    if fresh:
        session.connection().execute(insert(SearchOutbox), [{"dataset_id": i} for i in fresh])
        queued.update(fresh)


def _changed(session: Session) -> set[str]:
    ids: set[str] = set()
    conn = session.connection()
    touched = list(session.new) + list(session.dirty) + list(session.deleted)
    for obj in touched:
        if isinstance(obj, Dataset):
            ids.add(obj.id)
        elif isinstance(obj, Resource):
            ids.add(obj.package_id)
        elif isinstance(obj, DatastoreTable):
            ids.update(conn.scalars(select(Resource.package_id)
                                    .where(Resource.id == obj.resource_id)))
        elif isinstance(obj, Organization) and obj not in session.new \
                and session.is_modified(obj, include_collections=False):
            ids.update(conn.scalars(select(Dataset.id).where(Dataset.owner_org == obj.id)))
        elif isinstance(obj, Group) and obj not in session.new \
                and session.is_modified(obj, include_collections=False):
            ids.update(conn.scalars(select(dataset_group.c.dataset_id)
                                    .where(dataset_group.c.group_id == obj.id)))
    return ids


def _after_flush(session: Session, _context: Any) -> None:
    ids = _changed(session)
    if ids:
        _queue(session, ids)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_QUEUED, None)


def install(factory: sessionmaker[Session]) -> None:
    """Record dataset changes from every session this factory makes."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_commit", _forget)
    event.listen(factory, "after_rollback", _forget)


def queue_all(session: Session) -> None:
    """Put every dataset in the outbox (a new, empty index)."""
    session.execute(text("INSERT INTO search_outbox (dataset_id) SELECT id FROM dataset"))


def queue(session: Session, dataset_ids: list[str]) -> None:
    _queue(session, set(dataset_ids))


class DrainLock:
    """Held while the index is written from the outbox or rebuilt."""

    def __init__(self, engine: Engine, lock_path: Path) -> None:
        self.engine = engine
        self.lock_path = lock_path
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, timeout: float | None) -> Iterator[bool]:
        """Yields whether the lock was taken within `timeout` seconds (None: wait)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=-1 if timeout is None else timeout):
            yield False
            return
        try:
            if self.engine.dialect.name == "postgresql":
                with self._advisory(deadline) as taken:
                    yield taken
            else:
                with self._file(deadline) as taken:
                    yield taken
        finally:
            self._thread_lock.release()

    @contextlib.contextmanager
    def _file(self, deadline: float | None) -> Iterator[bool]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.01)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _advisory(self, deadline: float | None) -> Iterator[bool]:
        with self.engine.connect() as conn:
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                   {"k": ADVISORY_KEY}).scalar():
                conn.rollback()
                if deadline is not None and time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.01)
            conn.commit()
            try:
                yield True
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
