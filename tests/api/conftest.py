"""A portal with one department (edu), a bureau token and an editor token: fresh for
each test (`site`), or shared by a module whose tests only read or are refused
(`shared_site`; each refusal is checked to change nothing, so sharing is safe)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from portal.app import create_app
from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import Api, make_user
from tests.conftest import empty_tables, make_settings, org_params


@dataclass
class Site:
    portal: Portal
    api: Api
    admin: str  # a bureau (sysadmin) token
    editor: str  # an editor of edu


def make_site(portal: Portal, client: Any) -> Site:
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    portal.call("group_create", {"name": "theme", "title": "主题"}, user=SYSTEM)
    admin = make_user(portal, "bureau", sysadmin=True)[1]
    editor = make_user(portal, "editor", roles={"edu": "editor"})[1]
    return Site(portal, Api(client), admin, editor)


@pytest.fixture
def site(portal: Portal, client: Any) -> Site:
    return make_site(portal, client)


@pytest.fixture(scope="module")
def shared_site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("shared"), database_url))
    app = create_app(portal)
    app.config["TESTING"] = True
    yield make_site(portal, app.test_client())
    portal.dispose()
