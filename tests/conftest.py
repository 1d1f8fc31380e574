"""Shared fixtures. The database is real: SQLite by default, or a throwaway
PostgreSQL cluster when SHUYUAN_TEST_DATABASE=postgresql (`make test` runs both).

The schema is built once per run by the Alembic migrations. A test module's tests share
one Portal, built on empty tables, and each test runs inside a transaction rolled back
at its end (tests/support/shared_portal.py). Tests marked `fresh_portal` (whole folders
and modules listed in FRESH_PORTAL below, and any test that asks for `settings`, a live
server or a second database) get a Portal of their own on emptied tables instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.app import create_app
from portal.core.context import SYSTEM, Caller
from portal.db import upgrade
from portal.services import Portal
from portal.settings import Settings, instance_settings
from tests.support.gate import settle_gate_calls
from tests.support.passwords import fast_password_hashes
from tests.support.pgcluster import PgCluster, free_port
from tests.support.shared_portal import SharedPortal, empty_tables

pytest_plugins = ["tests.support.clock"]  # the `clock` fixture: the portal's clock, set by tests

BACKEND = os.environ.get("SHUYUAN_TEST_DATABASE", "sqlite")


def pytest_report_header(config: pytest.Config) -> str:
    return f"shuyuan database backend: {BACKEND}"


@pytest.fixture(scope="session", autouse=True)
def _gate_settled() -> Iterator[None]:
    """Calls return once the desensitization gate jobs they queued have run (see
    tests/support/gate.py); tests of the job itself opt out per portal."""
    with settle_gate_calls():
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashes() -> Iterator[None]:
    """Users get one-round PBKDF2 hashes instead of scrypt's 0.1 s (tests/support/passwords.py)."""
    with fast_password_hashes():
        yield


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    if BACKEND == "postgresql":
        url = request.getfixturevalue("pg_cluster").create_database("shuyuan_test")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


__all__ = ["empty_tables"]  # imported from here by the folders' fixtures


def make_settings(var_dir: Path, database_url: str, site_url: str = "http://127.0.0.1:5000",
                  **sections: dict[str, Any]) -> Settings:
    return instance_settings(var_dir, database_url, site_url, **sections)


# --- the portal: one per module, or one per test ----------------------------------------

# Tests that get a Portal of their own (marker `fresh_portal`), by folder or module: they
# run the CLI or a second Portal over what the test wrote (which sees only committed
# rows), restart a portal, stop its job queue, rebuild the index in worker processes,
# edit the database behind the portal's back, or write from several threads at once.
# A single test elsewhere says `@pytest.mark.fresh_portal` itself.
FRESH_PORTAL = (
    "tests/browser/",
    "tests/cli/",
    "tests/audit/test_audit_chain.py",
    "tests/changes/test_cli.py",
    "tests/datastore/test_upload_and_cli.py",
    "tests/notifications/test_cli.py",
    "tests/publication/test_gate_job.py",
    "tests/resources/test_upload_cleanup.py",
    "tests/search/test_consistency.py",
)
# Fixtures that make portals or databases of their own next to the test's.
FRESH_FIXTURES = {"settings", "live_server_factory", "second_database_url"}


def _overrides_settings(item: pytest.Item) -> bool:
    """Whether a folder or module replaces the `settings` fixture (the module's shared
    portal would not be built from it: `portal_config` is the way to shared settings)."""
    try:
        defs = item.session._fixturemanager.getfixturedefs("settings", item)
    except Exception:  # a pytest whose internals moved: play safe
        return True
    return bool(defs) and defs[-1].baseid != _ROOT_BASEID


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(config.rootpath)
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "portal" not in names and "app" not in names:
            continue
        path = Path(str(item.path))
        path_name = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
        if (path_name.startswith(FRESH_PORTAL) or names & FRESH_FIXTURES
                or _overrides_settings(item)):
            item.add_marker(pytest.mark.fresh_portal)


@pytest.fixture(scope="module")
def portal_config() -> dict[str, dict[str, Any]]:
    """Settings sections the module's portals get on top of the defaults; a folder or a
    module overrides this fixture (rather than `settings`) to keep the shared portal."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str,
             portal_config: dict[str, dict[str, Any]]) -> Settings:
    """Settings of a portal of the test's own, on emptied tables."""
    empty_tables(database_url)
    return make_settings(tmp_path / "var", database_url, **portal_config)


_ROOT_BASEID = "tests"  # the node id of this conftest's folder: its fixtures' baseid


@pytest.fixture(scope="module")
def shared_portal(database_url: str, portal_config: dict[str, dict[str, Any]],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedPortal]:
    shared = SharedPortal(make_settings(tmp_path_factory.mktemp("portal") / "var",
                                        database_url, **portal_config))
    yield shared
    shared.close()


def _fresh(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("fresh_portal") is not None


@pytest.fixture
def portal(request: pytest.FixtureRequest) -> Iterator[Portal]:
    if _fresh(request):
        p = Portal(request.getfixturevalue("settings"))
        yield p
        p.dispose()
        return
    shared: SharedPortal = request.getfixturevalue("shared_portal")
    with shared.test() as p:
        yield p


@pytest.fixture
def app(portal: Portal) -> Any:
    shared = SharedPortal.of(portal)
    if shared is not None:
        return shared.app()
    flask_app = create_app(portal)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


class Accounts:
    """Creates users through the actions and hands back their caller and API token."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def user(self, name: str, *, sysadmin: bool = False,
             roles: dict[str, str] | None = None) -> tuple[Caller, str]:
        self.portal.call("user_create", {"name": name, "password": "password-" + name,
                                         "email": f"{name}@example.cn", "sysadmin": sysadmin},
                         user=SYSTEM)
        for org, role in (roles or {}).items():
            self.portal.call("organization_member_create",
                             {"id": org, "username": name, "role": role}, user=SYSTEM)
        token = self.portal.call("api_token_create", {"user": name}, user=SYSTEM)["token"]
        caller = self.portal.caller_by_name(name)
        assert caller is not None
        return caller, token


@pytest.fixture
def accounts(portal: Portal) -> Accounts:
    return Accounts(portal)


@pytest.fixture
def sysadmin(accounts: Accounts) -> Caller:
    return accounts.user("bureau-admin", sysadmin=True)[0]


def org_params(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "title": f"测试单位 {name}", "organization_type": "department", **extra}


def package_params(name: str, owner_org: str, **extra: Any) -> dict[str, Any]:
    """A valid catalog entry; tests override what they are about."""
    return {
        "name": name,
        "title": f"测试数据集 {name}",
        "notes": "用于测试的目录条目。",
        "owner_org": owner_org,
        "resource_code": f"341324-{name}",
        "classification": "department",
        "update_period": "monthly",
        "share_type": "unconditional",
        "open_type": "unconditional",
        "license_id": "CC-BY-4.0",
        **extra,
    }


class LiveServer:
    """The app served over real HTTP by waitress in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        from waitress.server import create_server

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server = create_server(app, host="127.0.0.1", port=port, threads=4)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # waitress's own run() loops forever; looping here lets stop() end the loop
        # before the sockets close, instead of pulling them from under select().
        from waitress import wasyncore

        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self._server._map, count=1)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        from waitress import wasyncore

        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)


@pytest.fixture
def live_server_factory(tmp_path: Path, database_url: str) -> Iterator[Callable[..., tuple[LiveServer, Portal]]]:
    """Start a server on a free port, on its own var dir and (optionally) its own database."""
    started: list[tuple[LiveServer, Portal]] = []

    def start(name: str = "live", db_url: str | None = None) -> tuple[LiveServer, Portal]:
        port = free_port()
        if db_url is None:
            db_url = database_url
            empty_tables(db_url)
        p = Portal(make_settings(tmp_path / name, db_url, site_url=f"http://127.0.0.1:{port}"))
        server = LiveServer(create_app(p), port).start()
        started.append((server, p))
        return server, p

    yield start
    for server, p in started:
        server.stop()
        p.dispose()


@pytest.fixture
def second_database_url(database_url: str, request: pytest.FixtureRequest,
                        tmp_path: Path) -> str:
    """An empty, migrated second database on the same backend (for instance-to-instance tests)."""
    if BACKEND == "postgresql":
        import uuid

        url = request.getfixturevalue("pg_cluster").create_database(f"second_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite:///{tmp_path / 'second.db'}"
    upgrade(url)
    return url
