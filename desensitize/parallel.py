"""Scanning a large table on several cores.

The process that reads the file classifies the columns (Scanner.profile), then
forks worker processes that already hold the loaded recognizers, jieba's
dictionary and the profiles (copy-on-write: the dictionary is not loaded or
paid for again), and hands them batches of rows. Findings come back batch by
batch in file order, and at most a few batches are in flight, so memory stays
flat however long the file.

Fork, not spawn: a spawned worker would import Presidio and load jieba again
(about 200 MB and three seconds each). That makes this Linux/macOS-only and
meant for a command-line process: a multi-threaded server should scan in one
process (Scanner.scan_table).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from desensitize.findings import Finding
from desensitize.scanner import ColumnProfile, Scanner
from desensitize.tables import Table

BATCH_ROWS = 2000

# Set in the parent just before the fork; the workers read their inherited copies.
_scanner: Scanner | None = None
_profiles: list[ColumnProfile] = []


Encode = Callable[[list[Finding]], bytes]


def _scan_batch(start: int, rows: list[list[str | None]], encode: Encode | None) -> Any:
    assert _scanner is not None
    found = [f for index, cells in enumerate(rows, start)
             for f in _scanner.scan_row(cells, _profiles, index)]
    return found if encode is None else encode(found)


def scan_table_parallel(scanner: Scanner, table: Table, workers: int,
                        progress: Callable[[int], None] | None = None,
                        encode: Encode | None = None) -> Iterator[Any]:
    """Every finding of `table`, in file order, as Scanner.scan_table would give them;
    with `encode`, the workers encode each batch's findings (the command line's JSON
    Lines) and its bytes come back instead: the reading process then only reads and
    writes, and does not become the bottleneck."""
    global _scanner, _profiles
    rows = table.rows()
    sample = list(islice(rows, scanner.sample_rows))
    profiles = scanner.profile(table.info.columns, sample)
    scanner.last_profiles = profiles
    _scanner, _profiles = scanner, profiles

    def batches() -> Iterator[tuple[int, list[list[str | None]]]]:
        yield 0, sample
        start = len(sample)
        while batch := list(islice(rows, BATCH_ROWS)):
            yield start, batch
            start += len(batch)

    pending: deque[tuple[int, Any]] = deque()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for start, batch in batches():
            pending.append((len(batch), pool.apply_async(_scan_batch, (start, batch, encode))))
            if len(pending) > workers * 2:
                yield from _collect(pending.popleft(), progress, encode)
        while pending:
            yield from _collect(pending.popleft(), progress, encode)


def _collect(job: tuple[int, Any], progress: Callable[[int], None] | None,
             encode: Encode | None) -> list[Any]:
    size, result = job
    found = result.get()
    if progress:
        progress(size)
    return found if encode is None else [found]
