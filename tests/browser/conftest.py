"""Playwright fixtures driving the system's (Debian) Chromium.

No browser is downloaded: the tests use /usr/bin/chromium and skip with a
reason when it is missing, unless SHUYUAN_REQUIRE_ALL=1 makes that a failure
(CI installs everything and must not pass by skipping).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.app import create_app
from portal.services import Portal
from portal.settings import PROJECT_ROOT
from tests.conftest import empty_tables, make_settings
from tests.support.pgcluster import free_port

CHROMIUM = os.environ.get("SHUYUAN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
# Keep the browser off the network: it only ever talks to the live test server.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]


def _require_all() -> bool:
    return os.environ.get("SHUYUAN_REQUIRE_ALL") == "1"


def _unavailable(reason: str) -> None:
    if _require_all():
        pytest.fail(f"{reason} (SHUYUAN_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def screenshot(page: Any) -> Any:
    """screenshot("name"): save the whole page to test-artifacts/screenshots/name.png."""

    def take(name: str, target: Any = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


class LiveServer:
    """The app served by waitress in a background thread (see live_server_factory)."""

    def __init__(self, app: Any, port: int) -> None:
        from waitress.server import create_server

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server = create_server(app, host="127.0.0.1", port=port, threads=4)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.close()


@pytest.fixture
def live_server_factory(tmp_path: Path,
                        database_url: str) -> Iterator[Callable[..., tuple[LiveServer, Portal]]]:
    """Same contract as tests/conftest.py's fixture, which passes waitress's serve()-only
    `_quiet` option to create_server() and so fails on waitress 3; drop this override
    once that is fixed there."""
    started: list[tuple[LiveServer, Portal]] = []

    def start(name: str = "live") -> tuple[LiveServer, Portal]:
        port = free_port()
        empty_tables(database_url)
        portal = Portal(make_settings(tmp_path / name, database_url,
                                      site_url=f"http://127.0.0.1:{port}"))
        server = LiveServer(create_app(portal), port).start()
        started.append((server, portal))
        return server, portal

    yield start
    for server, portal in started:
        server.stop()
        portal.dispose()
