"""The background queue: jobs run after the commit (never after a rollback), a waiting
job is not queued twice, a failing job does not stop the worker, stop() cancels."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from portal.jobs import Cancelled, JobQueue
from portal.services import Portal


@pytest.fixture
def queue() -> Any:
    jobs = JobQueue()
    yield jobs
    jobs.stop(timeout=5)


def test_a_job_runs_after_the_commit_and_not_after_a_rollback(portal: Portal,
                                                              queue: JobQueue) -> None:
    ran: list[str] = []
    with portal.session() as session, session.begin():
        queue.after_commit(session, "a", lambda cancel: ran.append("a"))
        assert queue.pending() == 0  # not before the commit
    with pytest.raises(RuntimeError), portal.session() as session, session.begin():
        queue.after_commit(session, "b", lambda cancel: ran.append("b"))
        raise RuntimeError("the action failed")
    assert queue.wait_idle(10)
    assert ran == ["a"]


def test_a_waiting_job_is_not_queued_twice_and_failures_do_not_stop_the_worker(
        queue: JobQueue) -> None:
    gate = threading.Event()
    ran: list[str] = []
    queue.submit("busy", lambda cancel: gate.wait(10))
    assert queue.submit("load:1", lambda cancel: ran.append("first"))
    assert not queue.submit("load:1", lambda cancel: ran.append("second"))

    def fail(cancel: threading.Event) -> None:
        raise ValueError("broken file")

    queue.submit("fails", fail)
    queue.submit("after", lambda cancel: ran.append("after"))
    gate.set()
    assert queue.wait_idle(10)
    assert ran == ["first", "after"]


def test_stop_cancels_the_running_job_and_drops_the_waiting_ones(queue: JobQueue) -> None:
    started, seen = threading.Event(), []

    def long(cancel: threading.Event) -> None:
        started.set()
        while not cancel.wait(0.01):
            pass
        seen.append("cancelled")
        raise Cancelled("stopping")

    queue.submit("long", long)
    queue.submit("never", lambda cancel: seen.append("never"))
    assert started.wait(5)
    began = time.monotonic()
    queue.stop(timeout=5)
    assert seen == ["cancelled"] and time.monotonic() - began < 5
    assert not queue.submit("late", lambda cancel: None)


def test_urgent_jobs_go_ahead_of_waiting_loads_in_their_own_order(queue: JobQueue) -> None:
    """A desensitization check someone waits to review does not queue behind table loads."""
    ran: list[str] = []
    with queue.hold():
        for key in ("load-1", "load-2"):
            queue.submit(key, lambda cancel, k=key: ran.append(k))
        queue.submit("gate-1", lambda cancel: ran.append("gate-1"), urgent=True)
        queue.submit("load-3", lambda cancel: ran.append("load-3"))
        queue.submit("gate-2", lambda cancel: ran.append("gate-2"), urgent=True)
    assert queue.wait_idle(10)
    assert ran == ["gate-1", "gate-2", "load-1", "load-2", "load-3"]
