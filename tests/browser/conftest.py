"""Playwright fixtures driving the system's (Debian) Chromium.

No browser is downloaded: the tests use /usr/bin/chromium and skip with a
reason when it is missing, unless SHUYUAN_REQUIRE_ALL=1 makes that a failure
(CI installs everything and must not pass by skipping).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.settings import PROJECT_ROOT

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
    """A tab; a test fails if the page broke the Content-Security-Policy (an inline
    script or style the browser refused shows as a console error)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    refused: list[str] = []
    tab.on("console", lambda message: refused.append(message.text)
           if message.type == "error" and "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert refused == [], "the Content-Security-Policy refused: " + "; ".join(refused)


@pytest.fixture
def screenshot(page: Any) -> Any:
    """screenshot("name"): save the whole page (or, given a locator, that element) to
    test-artifacts/screenshots/name.png."""

    def take(name: str, target: Any = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if target is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path

    return take
