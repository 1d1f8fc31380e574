"""Background jobs: a small in-process queue of worker threads owned by the Portal.

Jobs are plain functions queued under a key (e.g. "datastore-load:RID"): a job
already waiting under the same key is not queued twice, so three quick uploads
of one resource cause at most one waiting load. Actions queue jobs with
`after_commit`, so a job never runs before the data it reads is committed, and
a rolled-back action queues nothing.

Why not a separate job server: a county portal runs on one machine, and the
background work is loading tables and running the desensitization gate on a
submitted file (seconds to minutes each). What must survive a restart keeps its
state in the database and is queued again at start-up (datastore loads left
pending, gate releases left pending or running: portal/gate.py). Worker
threads are daemons and `stop()` (called by Portal.dispose and at exit) sets a
cancel event that jobs check between batches, so process exit never hangs on
a long load.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# A job gets the queue's cancel event; long jobs check it between batches.
JobFunc = Callable[[threading.Event], None]


class Cancelled(Exception):
    """Raised by a job that saw the cancel event (the portal is shutting down)."""


@dataclass(frozen=True)
class Job:
    key: str
    func: JobFunc
    urgent: bool = False


class JobQueue:
    def __init__(self, workers: int = 1, name: str = "shuyuan-jobs") -> None:
        self.workers = max(1, workers)
        self.name = name
        self.cancel = threading.Event()
        self._waiting: deque[Job] = deque()
        self._running = 0
        self._running_keys: list[str] = []
        self._held = 0  # hold(): workers take no job meanwhile
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopped = False
        # At interpreter exit, cancel running jobs before daemon threads are frozen.
        ref = weakref.ref(self)
        atexit.register(lambda: (q := ref()) and q.stop(timeout=5))

    def submit(self, key: str, func: JobFunc, *, urgent: bool = False) -> bool:
        """Queue a job; False when one with the same key is already waiting (or stopped).

        An urgent job goes ahead of the waiting ones that are not (after the urgent ones
        already waiting): a desensitization check someone is waiting to review should not
        queue behind a county's worth of table loads."""
        with self._cond:
            if self._stopped:
                return False
            if any(job.key == key for job in self._waiting):
                return False
            job = Job(key, func, urgent)
            if urgent:
                at = next((i for i, w in enumerate(self._waiting) if not w.urgent),
                          len(self._waiting))
                self._waiting.insert(at, job)
            else:
                self._waiting.append(job)
            self._start_workers()
            self._cond.notify()
            return True

    def after_commit(self, session: Session, key: str, func: JobFunc, *,
                     urgent: bool = False) -> None:
        """Queue the job once the session's transaction commits (nothing on rollback)."""
        event.listen(session, "after_commit",
                     lambda _s: self.submit(key, func, urgent=urgent), once=True)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Workers take no new job inside the block (jobs are still queued): tests use it
        to look at what an action left before its background work runs."""
        with self._cond:
            self._held += 1
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                self._cond.notify_all()

    def _start_workers(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next(self) -> Job | None:
        with self._cond:
            while (not self._waiting or self._held) and not self._stopped:
                self._cond.wait()
            if self._stopped:
                return None
            self._running += 1
            job = self._waiting.popleft()
            self._running_keys.append(job.key)
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.func(self.cancel)
            except Cancelled:
                log.info("job %s cancelled", job.key)
            except Exception:  # a job records its own failure; this is the last resort
                log.exception("job %s failed", job.key)
            finally:
                with self._cond:
                    self._running -= 1
                    self._running_keys.remove(job.key)
                    self._cond.notify_all()

    def wait_idle(self, timeout: float | None = 60.0) -> bool:
        """Block until no job is waiting or running (timeout None: however long it takes);
        False when the timeout passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._waiting and not self._running,
                                       timeout=timeout)

    def keys(self, prefix: str = "") -> list[str]:
        """Keys of the jobs waiting or running whose key starts with `prefix`."""
        with self._cond:
            return [k for k in [*self._running_keys, *(j.key for j in self._waiting)]
                    if k.startswith(prefix)]

    def wait_for(self, prefix: str, timeout: float | None = 60.0) -> bool:
        """Block until no job whose key starts with `prefix` is waiting or running;
        False when the timeout passed first (or the queue is held with such jobs)."""
        def done() -> bool:
            return not any(k.startswith(prefix) for k in
                           [*self._running_keys, *(j.key for j in self._waiting)])

        with self._cond:
            return self._cond.wait_for(done, timeout=timeout)

    def pending(self) -> int:
        with self._cond:
            return len(self._waiting) + self._running

    def stop(self, timeout: float = 30.0) -> None:
        """Drop waiting jobs, cancel running ones and wait (up to timeout) for them to end."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
            self._waiting.clear()
            self.cancel.set()
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=timeout)
