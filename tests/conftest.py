"""Shared fixtures. The database is real: SQLite by default, or a throwaway
PostgreSQL cluster when SHUYUAN_TEST_DATABASE=postgresql (`make test` runs both).

The schema is built once per run by the Alembic migrations; each test starts
from empty tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from portal.app import create_app
from portal.core.context import SYSTEM, Caller
from portal.db import upgrade
from portal.models import Base
from portal.services import Portal
from portal.settings import Settings, instance_settings
from tests.support.gate import settle_gate_calls
from tests.support.pgcluster import PgCluster, free_port

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


def empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"),
                     {"h": "0" * 64})
    engine.dispose()


def make_settings(var_dir: Path, database_url: str, site_url: str = "http://127.0.0.1:5000",
                  **sections: dict[str, Any]) -> Settings:
    return instance_settings(var_dir, database_url, site_url, **sections)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    empty_tables(database_url)
    return make_settings(tmp_path / "var", database_url)


@pytest.fixture
def portal(settings: Settings) -> Iterator[Portal]:
    p = Portal(settings)
    yield p
    p.dispose()


@pytest.fixture
def app(portal: Portal) -> Any:
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
