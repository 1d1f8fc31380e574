"""Index documents for a rebuild, made on every core.

Reading a dataset, dictizing it and above all segmenting it with jieba cost
about a millisecond per entry, so a rebuild of a large catalog hands batches
of dataset ids to a pool of worker processes, each with its own database
connection, while the main process writes the finished documents to the
index. Workers are spawned, not forked: the portal process has threads
(server, jobs) whose locks a fork would copy mid-use.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from portal.core.dictize import package_dict
from portal.search import document
from portal.search.analysis import Analyzer, Dictionaries, shared_analyzer
from portal.search.records import dataset_records


def documents_for(session: Session, ids: list[str], analyzer: Analyzer,
                  site_url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(documents of the datasets among `ids` that are indexed, ids to delete)."""
    found = dataset_records(session, ids)
    upserts, deletes = [], []
    for dataset_id in ids:
        ds = found.get(dataset_id)
        if ds is None or ds.state == "deleted":
            deletes.append(dataset_id)
        else:
            upserts.append(document.build(package_dict(ds, site_url), analyzer))
    return upserts, deletes


_worker: dict[str, Any] = {}


Prepare = Callable[[dict[str, Any]], Any] | None


def _init(dicts: Dictionaries, database_url: str, site_url: str, prepare: Prepare) -> None:
    from portal.db import make_engine, make_session_factory

    _worker.update(factory=make_session_factory(make_engine(database_url)),
                   analyzer=shared_analyzer(dicts), site_url=site_url, prepare=prepare)


def _prepared(docs: list[dict[str, Any]], prepare: Prepare) -> list[Any]:
    return docs if prepare is None else [prepare(d) for d in docs]


def _build(ids: list[str]) -> list[Any]:
    with _worker["factory"]() as session:
        docs = documents_for(session, ids, _worker["analyzer"], _worker["site_url"])[0]
    return _prepared(docs, _worker["prepare"])


class DocumentMaker:
    def __init__(self, dicts: Dictionaries, workers: int, database_url: str,
                 session_factory: sessionmaker[Session], site_url: str,
                 prepare: Prepare = None) -> None:
        self.dicts = dicts
        self.prepare = prepare
        self.workers = max(1, workers)
        self.database_url = database_url
        self.session_factory = session_factory
        self.site_url = site_url
        self.pool: Any = None

    def __enter__(self) -> DocumentMaker:
        if self.workers > 1:
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(self.workers, initializer=_init,
                                 initargs=(self.dicts, self.database_url, self.site_url,
                                           self.prepare))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def documents(self, batches: Iterable[list[str]]) -> Iterator[list[Any]]:
        """Documents batch by batch (of dataset ids), in the order of `batches`, as the
        backend's preparer makes them."""
        if self.pool is None:
            analyzer = shared_analyzer(self.dicts)
            for ids in batches:
                with self.session_factory() as session:
                    docs = documents_for(session, ids, analyzer, self.site_url)[0]
                yield _prepared(docs, self.prepare)
            return
        pending: deque[Any] = deque()
        for ids in batches:
            pending.append(self.pool.apply_async(_build, (ids,)))
            # Bounded read-ahead: memory stays flat however large the catalog.
            if len(pending) > self.workers * 2:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
