"""Index documents for a rebuild, tokenised on every core.

jieba dominates a rebuild (≈ 28 s per 100,000 entries on one core), so the
package dicts read by the main process are tokenised in a pool of worker
processes while the main process reads the next batch and writes the last.
Workers are spawned, not forked: the portal process has threads (server,
jobs) whose locks a fork would copy mid-use.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from portal.search import document
from portal.search.analysis import Analyzer, Dictionaries, shared_analyzer

_worker_analyzer: Analyzer | None = None


def _init(dicts: Dictionaries) -> None:
    global _worker_analyzer
    _worker_analyzer = shared_analyzer(dicts)


def _build(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert _worker_analyzer is not None
    return [document.build(data, _worker_analyzer) for data in batch]


class DocumentMaker:
    def __init__(self, dicts: Dictionaries, workers: int) -> None:
        self.dicts = dicts
        self.workers = max(1, workers)
        self.pool: Any = None

    def __enter__(self) -> DocumentMaker:
        if self.workers > 1:
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(self.workers, initializer=_init, initargs=(self.dicts,))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def documents(self, batches: Iterable[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        """Documents batch by batch, in the order of `batches`."""
        if self.pool is None:
            analyzer = shared_analyzer(self.dicts)
            for batch in batches:
                yield [document.build(data, analyzer) for data in batch]
            return
        pending: deque[Any] = deque()
        for batch in batches:
            pending.append(self.pool.apply_async(_build, (batch,)))
            # Bounded read-ahead: memory stays flat however large the catalog.
            if len(pending) > self.workers * 2:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
