"""The desensitization gate runs as a background job (portal/gate.py). Most tests are
about what follows it (the review's report, the public's file), so for them every
`Portal.call` returns once the gate jobs it queued have finished: `settle_gate_calls`
is applied for the whole run by tests/conftest.py. A test about the job itself turns it
off for its portal (`portal.settle_gate = False`) or holds the queue (`jobs.hold()`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from portal.gate import JOB_PREFIX
from portal.services import Portal


def settle_gate(portal: Portal, timeout: float = 120.0) -> None:
    """Wait for every queued desensitization gate job of `portal` to finish."""
    assert portal.jobs.wait_for(JOB_PREFIX, timeout), "the gate jobs did not finish"


@contextmanager
def settle_gate_calls() -> Iterator[None]:
    """Inside the block, Portal.call waits for the gate jobs a call queued (unless the
    portal's settle_gate is False)."""
    original = Portal.call

    def call(self: Portal, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            if getattr(self, "settle_gate", True) and self.jobs.keys(JOB_PREFIX):
                settle_gate(self)

    Portal.call = call  # type: ignore[method-assign]
    try:
        yield
    finally:
        Portal.call = original  # type: ignore[method-assign]
