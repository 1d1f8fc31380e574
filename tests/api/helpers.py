"""Helpers shared by the API, permission and audit tests.

`snapshot` reads every table and the blob store, so "a refused write changed
nothing" is checked against the real database, row by row, not against a count
an action reports about itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select

from portal.core.context import SYSTEM, Caller
from portal.models import AuditHead, Base
from portal.services import Portal


def blob_files(portal: Portal) -> list[str]:
    """Stored blobs, apart from the store's scratch folder for uploads in progress."""
    root = portal.blobs.root
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] != "tmp")


def settle(portal: Portal) -> None:
    """Let background work finish (a datastore load queued by an earlier upload updates
    its resource's status), so a comparison sees only what the call under test did.
    The search outbox that work filled is applied too: otherwise the next call, even a
    refused one, drains it and seems to have changed search_outbox and search_state."""
    assert portal.jobs.wait_idle(120), "background jobs did not finish"
    portal.search.drain()


def snapshot(portal: Portal) -> dict[str, Any]:
    """Every row of every table (as sorted JSON text) plus the stored blobs."""
    settle(portal)
    state: dict[str, Any] = {}
    with portal.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table)).all()
            state[table.name] = sorted(
                json.dumps(list(row), default=str, ensure_ascii=False, sort_keys=True)
                for row in rows
            )
    state["blobs"] = blob_files(portal)
    return state


def fingerprint(portal: Portal) -> tuple[Any, ...]:
    """A cheap stand-in for `snapshot` where hundreds of refusals are tried: the audit
    head (every successful write moves it) and the row count of every table, in one query."""
    settle(portal)
    counts = [select(func.count()).select_from(t).scalar_subquery()
              for t in Base.metadata.sorted_tables]
    with portal.session() as session:
        row = session.execute(select(*counts, AuditHead.seq, AuditHead.hash)).one()
    return (*row, len(blob_files(portal)))


@contextmanager
def unchanged(portal: Portal) -> Iterator[None]:
    """Assert that the block leaves the database and the blob store exactly as they were."""
    before = snapshot(portal)
    yield
    after = snapshot(portal)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [], f"a refused call changed: {', '.join(changed)}"


class Api:
    """The Action API over Flask's test client: returns (HTTP status, decoded body)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, name: str, body: Any = None, token: str | None = None,
             prefix: str = "/api/3/action", **kwargs: Any) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": token} if token else {}
        headers.update(kwargs.pop("headers", {}))
        if body is not None and "data" not in kwargs:
            kwargs["json"] = body
        response = self.client.post(f"{prefix}/{name}", headers=headers, **kwargs)
        return response.status_code, response.get_json()

    def get(self, name: str, params: dict[str, Any] | None = None, token: str | None = None,
            prefix: str = "/api/3/action") -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": token} if token else {}
        response = self.client.get(f"{prefix}/{name}", query_string=params or {},
                                   headers=headers)
        return response.status_code, response.get_json()


def make_user(portal: Portal, name: str, *, sysadmin: bool = False,
              roles: dict[str, str] | None = None) -> tuple[Caller, str]:
    """As tests.conftest.Accounts.user, without a password: hashing one costs 0.1 s."""
    portal.call("user_create", {"name": name, "email": f"{name}@example.cn",
                                "sysadmin": sysadmin}, user=SYSTEM)
    for org, role in (roles or {}).items():
        portal.call("organization_member_create", {"id": org, "username": name, "role": role},
                    user=SYSTEM)
    token = portal.call("api_token_create", {"user": name}, user=SYSTEM)["token"]
    caller = portal.caller_by_name(name)
    assert caller is not None
    return caller, token
