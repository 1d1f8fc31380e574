"""portal/web/ by audience: the shared helpers import no page module, the public pages
nothing of the console or the account pages, and no module grows past 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.settings import PROJECT_ROOT

WEB = PROJECT_ROOT / "portal" / "web"
FORBIDDEN = {
    "support": ("portal.web.public", "portal.web.console", "portal.web.account"),
    "public": ("portal.web.console", "portal.web.account"),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_lower_web_folders_do_not_import_the_pages_above(folder: str) -> None:
    wrong = sorted(f"{path.name} imports {name}" for path in (WEB / folder).glob("*.py")
                   for name in imported(path) if name.startswith(FORBIDDEN[folder]))
    assert wrong == []


def test_the_pages_are_sorted_into_the_audience_folders() -> None:
    loose = sorted(p.name for p in WEB.glob("*.py") if p.name != "__init__.py")
    assert loose == []
    assert {p.name for p in WEB.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        "public", "console", "account", "support"}


def test_no_web_module_is_over_500_lines() -> None:
    long = sorted(str(p.relative_to(WEB)) for p in WEB.rglob("*.py")
                  if len(p.read_text(encoding="utf-8").splitlines()) > 500)
    assert long == []
