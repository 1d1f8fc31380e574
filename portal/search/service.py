"""The portal's search: the backend, the outbox drain, rebuilds and checks.

`Portal.search` is one SearchService. Searches run against the live index
named in `search_state`; a rebuild (`shuyuan search reindex`) fills a new
index while the old one keeps answering, then swaps the name under the drain
lock and drops the old one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from portal.core.dictize import package_dict
from portal.models import Dataset, SearchOutbox, SearchState
from portal.search import backend as b
from portal.search import document, outbox
from portal.search.analysis import Analyzer, Dictionaries, shared_analyzer
from portal.search.rebuild import documents_for
from portal.search.records import dataset_records
from portal.search.vocabulary import Vocabulary, public_words
from portal.settings import Settings, config_path

log = logging.getLogger(__name__)

DRAIN_BATCH = 200
# Part of every index name: raised whenever the index fields change, so that after an
# upgrade the portal builds a new index instead of searching one without them.
# 4: resources stored as the public sees them (the released file's size and hash).
# 5: titles sort by pinyin (field title_pinyin).
INDEX_FORMAT = 5
REBUILD_BATCH = 500
# How long a write waits for another drain before leaving its rows to the next one.
WRITE_DRAIN_WAIT = 10.0

Progress = Callable[[int, int], None]


def dictionaries(settings: Settings) -> Dictionaries:
    return Dictionaries(
        userdict=config_path(str(settings.get("search", "userdict", ""))),
        synonyms=config_path(str(settings.get("search", "synonyms", ""))),
        stopwords=config_path(str(settings.get("search", "stopwords", ""))),
    )


def make_backend(settings: Settings) -> b.SearchIndex:
    kind = str(settings.get("search", "backend", "embedded"))
    if kind == "embedded":
        from portal.search.tantivy_index import TantivyIndex
        return TantivyIndex(settings.var_dir / "search",
                            facet_threads=int(settings.get("search", "facet_threads", 1)),
                            rebuild_heap_mb=int(settings.get("search", "rebuild_memory_mb",
                                                             1000)))
    if kind in ("opensearch", "elasticsearch"):
        from portal.search.cluster_index import ClusterIndex
        return ClusterIndex.from_settings(settings)
    raise ValueError(f"[search] backend must be embedded, opensearch or elasticsearch, not {kind!r}")


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)   # in the database, not in the index
    stale: list[str] = field(default_factory=list)     # in both, index differs
    extra: list[str] = field(default_factory=list)     # in the index only
    checked: int = 0
    queued: int = 0                                    # outbox rows not yet applied

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.extra)


class SearchService:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session],
                 site_url: str) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.site_url = site_url
        self.backend = make_backend(settings)
        self.dicts = dictionaries(settings)
        self.prefix = str(settings.get("search", "index_prefix", "shuyuan"))
        engine = session_factory.kw["bind"]
        lock_path = (Path(engine.url.database).with_suffix(".search-lock")
                     if engine.dialect.name == "sqlite" and engine.url.database
                     else settings.var_dir / "search.lock")
        self.lock = outbox.DrainLock(engine, lock_path)
        outbox.install(session_factory)
        self._generation = -1
        self._vocabulary: Vocabulary | None = None
        self._live = ""
        self._state_lock = threading.Lock()
        self._deferred = threading.local()
        self.engine = engine
        waiting = select(SearchOutbox.id).limit(1).scalar_subquery()
        self._state_query = (select(SearchState.index_name, SearchState.generation, waiting)
                             .where(SearchState.id == 1))

    @property
    def analyzer(self) -> Analyzer:
        return shared_analyzer(self.dicts)

    @property
    def vocabulary(self) -> Vocabulary:
        """The public catalog's words, for "did you mean" (the same on every backend)."""
        with self._state_lock:
            if self._vocabulary is None:
                analyzer = self.analyzer

                def read() -> Counter[str]:
                    vocabulary = self._vocabulary
                    assert vocabulary is not None
                    with self.session_factory() as session:
                        return public_words(session, vocabulary.words)

                self._vocabulary = Vocabulary(read, analyzer)
            return self._vocabulary

    # --- state -------------------------------------------------------------

    def _state(self, session: Session) -> SearchState:
        state = session.get(SearchState, 1)
        if state is None:
            state = SearchState(id=1, index_name="", building="", generation=0)
            session.add(state)
            session.flush()
        return state

    def start(self) -> None:
        """Make sure a live index exists (a new one is filled through the outbox), drop a
        half-built one left by a killed rebuild, and apply what the outbox holds."""
        with self.lock.hold(None), self.session_factory() as session, session.begin():
            state = self._state(session)
            if state.building:
                log.warning("dropping search index %s left by an interrupted rebuild",
                            state.building)
                self.backend.drop(state.building)
                state.building = ""
            if not (state.index_name and self._current(state.index_name)
                    and self.backend.exists(state.index_name)):
                if state.index_name:
                    # Gone, or written by a version with another index format.
                    log.warning("search index %s is missing or unreadable: building a new one",
                                state.index_name)
                    self.backend.drop(state.index_name)
                state.index_name = self._new_name()
                self.backend.create(state.index_name)
                session.execute(delete(SearchOutbox))
                outbox.queue_all(session)
                state.generation += 1
        self.drain()

    def _new_name(self) -> str:
        return f"{self.prefix}-f{INDEX_FORMAT}-{uuid.uuid4().hex[:12]}"

    def _current(self, name: str) -> bool:
        """Whether an index of this name has this release's fields."""
        parts = name.rsplit("-", 2)
        return len(parts) == 3 and parts[1] == f"f{INDEX_FORMAT}"

    def live_index(self) -> str:
        """The live index's name, reopened when another process changed it."""
        return self._live_index()[0]

    def _live_index(self) -> tuple[str, bool]:
        """(live index name, whether the outbox holds rows), in one query."""
        # A bare connection: a session costs more than the query on every search.
        with self.engine.connect() as conn:
            row = conn.execute(self._state_query).one_or_none()
        if row is None:
            raise b.SearchBackendError("the search index has not been set up (shuyuan init)")
        name, generation, pending = row
        with self._state_lock:
            if generation != self._generation or name != self._live:
                if name == self._live:
                    self.backend.refresh(name)
                self._live, self._generation = name, generation
        return name, pending is not None

    def pending(self) -> int:
        with self.session_factory() as session:
            return session.scalar(select(func.count()).select_from(SearchOutbox)) or 0

    # --- documents ---------------------------------------------------------

    def _documents(self, session: Session, ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        return documents_for(session, ids, self.analyzer, self.site_url)

    # --- the drain -----------------------------------------------------------

    def drain(self, wait: float | None = None) -> int:
        """Apply the outbox to the live index (and to one being built). Returns the number of
        datasets written, or -1 when another drain or a rebuild held the lock past `wait`."""
        written = 0
        with self.lock.hold(wait) as taken:
            if not taken:
                return -1
            while True:
                with self.session_factory() as session, session.begin():
                    state = self._state(session)
                    rows = session.execute(select(SearchOutbox.id, SearchOutbox.dataset_id)
                                           .order_by(SearchOutbox.id).limit(DRAIN_BATCH)).all()
                    if not rows:
                        return written
                    ids = sorted({r.dataset_id for r in rows})
                    upserts, deletes = self._documents(session, ids)
                    for name in filter(None, (state.index_name, state.building)):
                        self.backend.write(name, upserts, deletes)
                    session.execute(delete(SearchOutbox)
                                    .where(SearchOutbox.id.in_([r.id for r in rows])))
                    state.generation += 1
                written += len(ids)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Bulk loads (the demo, harvests): write actions of this thread leave their changes
        in the outbox, applied in one drain at the end (each drain commits the index)."""
        depth = getattr(self._deferred, "depth", 0)
        self._deferred.depth = depth + 1
        try:
            yield
        finally:
            self._deferred.depth = depth
            if depth == 0:
                self.after_write()

    def after_write(self) -> None:
        """Called after a write action commits: its changes are searchable on return,
        unless a rebuild holds the lock (then the rebuild's last drain applies them)."""
        if getattr(self._deferred, "depth", 0):
            return
        try:
            self.drain(wait=WRITE_DRAIN_WAIT)
        except b.SearchBackendError as exc:
            log.error("search index not updated (left in the outbox): %s", exc)

    def search(self, request: b.SearchRequest) -> b.SearchResult:
        """Searches the live index. The outbox is applied first, so a search sees every
        committed change, unless another drain or a rebuild holds the lock right now."""
        name, pending = self._live_index()
        if pending and self.drain(wait=0) > 0:
            name = self.live_index()
        return self.backend.search(name, request)

    # --- rebuild and check -------------------------------------------------

    def _batches(self, session: Session, size: int) -> Iterator[list[str]]:
        ids = list(session.scalars(select(Dataset.id).where(Dataset.state != "deleted")
                                   .order_by(Dataset.id)))
        for i in range(0, len(ids), size):
            yield ids[i:i + size]

    def rebuild(self, progress: Progress | None = None, workers: int | None = None) -> int:
        """Build a new index from the database and swap it in; returns the number indexed.

        Holds the drain lock throughout: changes committed meanwhile wait in the
        outbox and are applied to the new index just before the swap. A failed
        rebuild drops the new index and leaves the old one live.
        """
        workers = workers or int(self.settings.get("search", "reindex_workers", 2))
        with self.lock.hold(None):
            with self.session_factory() as session, session.begin():
                state = self._state(session)
                new = self._new_name()
                state.building = new
            try:
                self.backend.create(new)
                done = self._fill(new, progress, workers)
                with self.session_factory() as session, session.begin():
                    state = self._state(session)
                    rows = session.execute(select(SearchOutbox.id, SearchOutbox.dataset_id)).all()
                    upserts, deletes = self._documents(session,
                                                       sorted({r.dataset_id for r in rows}))
                    self.backend.write(new, upserts, deletes)
                    session.execute(delete(SearchOutbox)
                                    .where(SearchOutbox.id.in_([r.id for r in rows])))
                    old, state.index_name, state.building = state.index_name, new, ""
                    state.generation += 1
            except BaseException:
                with self.session_factory() as session, session.begin():
                    self._state(session).building = ""
                self.backend.drop(new)
                raise
            if old and old != new:
                self.backend.drop(old)
        return done

    def _fill(self, name: str, progress: Progress | None, workers: int) -> int:
        from portal.search.rebuild import DocumentMaker

        done = 0
        with self.session_factory() as session:
            total = session.scalar(select(func.count()).select_from(Dataset)
                                   .where(Dataset.state != "deleted")) or 0
            batches = list(self._batches(session, REBUILD_BATCH))
        url = self.session_factory.kw["bind"].url.render_as_string(hide_password=False)
        with DocumentMaker(self.dicts, workers, url, self.session_factory,
                           self.site_url, self.backend.preparer()) as maker:

            def counted() -> Iterator[list[Any]]:
                nonlocal done
                for docs in maker.documents(batches):
                    yield docs
                    done += len(docs)
                    if progress:
                        progress(done, total)

            self.backend.load(name, counted())
        return done

    def check(self, fix: bool = False, progress: Progress | None = None) -> CheckReport:
        """Compare the live index with what the database would put there now."""
        report = CheckReport(queued=self.pending())
        name = self.live_index()
        indexed = self.backend.versions(name)
        seen: set[str] = set()
        with self.session_factory() as session:
            total = session.scalar(select(func.count()).select_from(Dataset)
                                   .where(Dataset.state != "deleted")) or 0
            for ids in self._batches(session, REBUILD_BATCH):
                records = dataset_records(session, ids).values()
                for data in (package_dict(ds, self.site_url) for ds in records):
                    seen.add(data["id"])
                    have = indexed.get(data["id"])
                    if have is None:
                        report.missing.append(data["id"])
                    elif have != document.version_of(data):
                        report.stale.append(data["id"])
                report.checked += len(ids)
                if progress:
                    progress(report.checked, total)
        report.extra = sorted(set(indexed) - seen)
        if fix and not report.consistent:
            with self.session_factory() as session, session.begin():
                outbox.queue(session, report.missing + report.stale + report.extra)
            self.drain()
        return report

    def close(self) -> None:
        self.backend.close()
