"""A small county for the workflow tests (changes, requests, sharing): organizations,
one user per role, their API tokens, and calls made as one of them by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from portal.core.context import SYSTEM, Caller
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params


@dataclass
class County:
    portal: Portal
    users: dict[str, Caller | None] = field(default_factory=lambda: {"anonymous": None})
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, who: str, name: str, params: dict[str, Any] | None = None) -> Any:
        """Run action `name` as the user called `who` ("anonymous": nobody signed in)."""
        return self.portal.call(name, params or {}, user=self.users[who])


C = TypeVar("C", bound=County)


def populate(kind: type[C], portal: Portal, organizations: Mapping[str, str | None],
             roles: Mapping[str, Mapping[str, str]], sysadmins: set[str]) -> C:
    """Organizations (name -> organization_type, None: the default), then the users
    (name -> {organization: role}); those in `sysadmins` are the bureau's staff."""
    for org, org_type in organizations.items():
        extra = {"organization_type": org_type} if org_type else {}
        portal.call("organization_create", org_params(org, **extra), user=SYSTEM)
    county = kind(portal)
    for name, memberships in roles.items():
        county.users[name], county.tokens[name] = make_user(
            portal, name, sysadmin=name in sysadmins, roles=dict(memberships))
    return county
