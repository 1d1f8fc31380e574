"""The action registry: every operation is `action(ctx, params) -> result`.

Actions are registered explicitly with @action; nothing becomes an action by
being a public function of a module (CKAN's stumble). The context is a small
frozen value: who is calling, the transaction's session, and the portal's
services. Actions never write into it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from portal.services import Portal


@dataclass(frozen=True)
class Caller:
    """Who is calling: a snapshot taken before the action's transaction starts."""

    id: str
    name: str
    sysadmin: bool = False
    roles: dict[str, str] = field(default_factory=dict)  # organization id -> role
    # Set for an API token made for one grant (portal.grants): it may only read that
    # grant's datasets, and carries no roles.
    grant_id: str | None = None

    def role_in(self, organization_id: str | None) -> str | None:
        return self.roles.get(organization_id or "")


@dataclass(frozen=True)
class Context:
    action: str
    session: Session
    portal: Portal
    user: Caller | None = None
    request_id: str = ""

    @property
    def actor(self) -> str:
        return self.user.name if self.user else "anonymous"


ActionFunc = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: ActionFunc
    read_only: bool
    doc: str


REGISTRY: dict[str, ActionSpec] = {}


def action(name: str | None = None, *, read_only: bool = False) -> Callable[[ActionFunc], ActionFunc]:
    def register(func: ActionFunc) -> ActionFunc:
        key = name or func.__name__
        if key in REGISTRY:
            raise RuntimeError(f"action {key} registered twice")
        REGISTRY[key] = ActionSpec(key, func, read_only, (func.__doc__ or "").strip())
        return func

    return register


def load_actions() -> dict[str, ActionSpec]:
    """Import the action modules so their decorators run; return the registry."""
    from portal.actions import (  # noqa: F401
        accounts,
        changes,
        datastore,
        files,
        grants,
        groups,
        misc,
        notifications,
        open_access,
        organizations,
        packages,
        publication,
        requests,
        resources,
        review_risk,
        search,
        sharing,
    )

    return REGISTRY
