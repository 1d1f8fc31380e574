"""A small county for the permission tests: two departments, one user per role,
and catalog entries in every state a rule cares about.

Everything is made through the actions. Building it takes some 40 action calls,
so it is built once per test module (`world`): refused calls are checked to
change nothing, and calls that succeed work on entries, users and tokens made
for that one call (`World.entry`, `World.newcomer`), never on the shared ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.app import create_app
from portal.core.context import SYSTEM, Caller
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import empty_tables, make_settings, org_params, package_params

# Who tries. "nobody" is signed in without any role; "health-admin" is an
# admin, but of the other department.
PERSONAS = ("anonymous", "nobody", "health-admin", "edu-member", "edu-editor", "edu-admin",
            "sysadmin")
EDU_STAFF = {"edu-member", "edu-editor", "edu-admin"}
ROLES = {"nobody": {}, "health-admin": {"health": "admin"}, "sysadmin": {},
         "edu-member": {"edu": "member"}, "edu-editor": {"edu": "editor"},
         "edu-admin": {"edu": "admin"}}

# Recipes for catalog entries: (organization, who creates it, extra fields, deleted after?).
RECIPES: dict[str, tuple[str, str, dict[str, Any], bool]] = {
    "edu-published": ("edu", "sysadmin", {}, False),
    "edu-private": ("edu", "sysadmin", {"private": True}, False),
    "edu-draft": ("edu", "edu-editor", {}, False),
    "edu-pending": ("edu", "edu-editor", {"publication_state": "pending"}, False),
    "edu-deleted": ("edu", "sysadmin", {}, True),
    "health-published": ("health", "sysadmin", {}, False),
    "health-draft": ("health", "health-admin", {}, False),
}
PUBLIC = {"edu-published", "health-published"}


@dataclass
class World:
    portal: Portal
    callers: dict[str, Caller | None] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # entry name -> id
    resource_ids: dict[str, str] = field(default_factory=dict)  # entry name -> its resource
    _serial: Iterator[int] = field(default_factory=itertools.count)

    def call(self, persona: str, name: str, params: dict[str, Any] | None = None) -> Any:
        return self.portal.call(name, params or {}, user=self.callers[persona])

    def entry(self, recipe: str, name: str | None = None) -> str:
        """Make a catalog entry as `recipe` says, with one resource; return its name."""
        org, creator, extra, deleted = RECIPES[recipe]
        name = name or f"{recipe}-{next(self._serial)}"
        params = package_params(
            name, org, tags=[{"name": f"tag-{name}"}], groups=[{"name": "theme"}],
            resources=[{"name": f"{name}.csv", "url": f"http://example.cn/{name}.csv"}], **extra)
        created = self.call(creator, "package_create", params)
        if deleted:
            self.call("sysadmin", "package_delete", {"id": name})
        self.ids[name] = created["id"]
        self.resource_ids[name] = created["resources"][0]["id"]
        return name

    def newcomer(self) -> str:
        """A fresh user with no role anywhere, for membership and token calls."""
        name = f"newcomer-{next(self._serial)}"
        self.portal.call("user_create", {"name": name}, user=SYSTEM)
        return name


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("world"), database_url))
    w = World(portal)
    for org in ("edu", "health"):
        portal.call("organization_create", org_params(org), user=SYSTEM)
    portal.call("group_create", {"name": "theme", "title": "主题"}, user=SYSTEM)
    w.callers["anonymous"] = None
    for persona, memberships in ROLES.items():
        w.callers[persona], w.tokens[persona] = make_user(
            portal, persona, sysadmin=persona == "sysadmin", roles=memberships)
    for recipe in RECIPES:
        w.entry(recipe, name=recipe)
    yield w
    portal.dispose()


@pytest.fixture(scope="module")
def world_client(world: World) -> Any:
    app = create_app(world.portal)
    app.config["TESTING"] = True
    return app.test_client()

