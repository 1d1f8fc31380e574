"""Who is calling and in which transaction: the values every action receives.

The context is a small frozen value: the caller, the transaction's session and
the portal's services. Actions never write into it. Code below the action layer
types the portal against `PortalServices`, never against the Portal class, so
that it does not import the composition root (portal/services.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from portal.core.clock import Clock


@dataclass(frozen=True)
class Caller:
    """Who is calling: a snapshot taken before the action's transaction starts."""

    id: str
    name: str
    sysadmin: bool = False
    roles: dict[str, str] = field(default_factory=dict)  # organization id -> role
    # Set for an API token made for one grant (portal.access): it may only read that
    # grant's datasets, and carries no roles.
    grant_id: str | None = None

    def role_in(self, organization_id: str | None) -> str | None:
        return self.roles.get(organization_id or "")


# The caller for local administration (the CLI run by whoever holds the server's shell).
SYSTEM = Caller(id="system", name="system", sysadmin=True)


class PortalServices(Protocol):
    """What the portal offers the code that runs inside it (portal.services.Portal).

    Services built on this floor (search, datastore, gate, mail) are typed Any
    here: naming their classes would make the floor import the houses above it.
    """

    settings: Any
    session_factory: sessionmaker[Session]
    clock: Clock
    blobs: Any
    cipher: Any
    datastore: Any
    jobs: Any
    search: Any
    mail: Any

    @property
    def var_dir(self) -> Any: ...

    @property
    def site_url(self) -> str: ...

    @property
    def gate(self) -> Any: ...

    @property
    def calendar(self) -> Any: ...

    def session(self) -> Session: ...

    def call(self, name: str, params: dict[str, Any] | None = None,
             user: Caller | None = None, request_id: str = "") -> Any: ...


@dataclass(frozen=True)
class Context:
    action: str
    session: Session
    portal: PortalServices
    user: Caller | None = None
    request_id: str = ""

    @property
    def actor(self) -> str:
        return self.user.name if self.user else "anonymous"

    def now(self) -> datetime:
        """Now (aware UTC), by the portal's clock."""
        return self.portal.clock.now()

    def today(self) -> date:
        """The county's date, by the portal's clock."""
        return self.portal.clock.today()
