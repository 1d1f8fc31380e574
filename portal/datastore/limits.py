"""Bounds on what datastore reads may take from the server: how many run at once (per
portal), and how large a result may grow while it is read.

Slots: a semaphore per portal and kind ("sql", "search"); a call that finds them all
taken waits at most `wait` seconds and is then refused with 429 (TooManyRequests), so
ten cartesian counts cannot hold every thread of the server.

ResultBudget: rows are counted as they are fetched, in batches, and reading stops as soon
as the row cap or the byte cap would be passed (`records_truncated`): the cap bounds the
portal's memory, it is not applied to a result already read whole.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from portal.core.errors import TooManyRequests

_slots: weakref.WeakKeyDictionary[Any, dict[str, Slots]] = weakref.WeakKeyDictionary()
_slots_lock = threading.Lock()


class Slots:
    """At most `size` holders at once."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._semaphore = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self.in_use = 0

    @contextmanager
    def hold(self, what: str, wait: float = 0.0) -> Iterator[None]:
        acquired = (self._semaphore.acquire(timeout=wait) if wait > 0
                    else self._semaphore.acquire(blocking=False))
        if not acquired:
            raise TooManyRequests(f"{what}: {self.size} already running on this portal; "
                                  "try again in a few seconds", retry_after=5)
        with self._lock:
            self.in_use += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_use -= 1
            self._semaphore.release()


def slots(owner: Any, kind: str, size: int) -> Slots:
    """The portal's slots of this kind (`owner`: the portal's datastore service); made on
    first use, and again if the setting changed."""
    with _slots_lock:
        kinds = _slots.setdefault(owner, {})
        found = kinds.get(kind)
        if found is None or found.size != max(1, size):
            found = kinds[kind] = Slots(size)
        return found


def value_bytes(value: Any) -> int:
    """About what a value takes in the JSON answer."""
    if value is None or isinstance(value, bool | int | float):
        return 8
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass")) + 2
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value) * 2
    if isinstance(value, date | datetime):
        return 28
    return len(str(value)) + 2


class ResultBudget:
    """Rows and bytes taken so far; `take` says whether one more row fits."""

    def __init__(self, rows_max: int, bytes_max: int) -> None:
        self.rows_max = rows_max
        self.bytes_max = bytes_max
        self.rows = 0
        self.bytes = 0
        self.truncated = False

    def take(self, row: tuple[Any, ...]) -> bool:
        size = sum(value_bytes(v) for v in row) + 4 * len(row)
        if self.rows >= self.rows_max or self.bytes + size > self.bytes_max:
            self.truncated = True
            return False
        self.rows += 1
        self.bytes += size
        return True
