"""Documentation is part of the product: every action, setting and CLI command has an entry."""

import re
import tomllib
from pathlib import Path

import click

from portal.cli import main
from portal.services import load_actions
from portal.settings import DEFAULT_CONFIG

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_action_is_documented():
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [name for name in load_actions() if f"### {name}\n" not in text]
    assert missing == []


HEADING = re.compile(r"^(#{1,3}) (.+)$", re.MULTILINE)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _sections(text: str) -> dict[str, str]:
    """Each heading's text up to the next heading, by heading and by anchor ('#...')."""
    found = list(HEADING.finditer(text))
    sections: dict[str, str] = {}
    for here, after in zip(found, [*found[1:], None], strict=True):
        body = text[here.end():after.start() if after else len(text)]
        sections[here.group(2).strip()] = sections["#" + _anchor(here.group(2))] = body
    return sections


def test_every_parameter_of_every_action_is_documented() -> None:
    """Each key of an action's declared schema is written `key` in its `### name` section,
    or in a section that one links to (package_create: the catalog entry dict)."""
    sections = _sections((DOCS / "api.md").read_text(encoding="utf-8"))
    missing: list[str] = []
    for name, spec in load_actions().items():
        own = sections.get(name, "")
        linked = [sections.get(a, "") for a in re.findall(r"\]\((#[^)]+)\)", own)]
        text = "\n".join([own, *linked])
        missing += [f"{name}: {key}" for key in spec.schema if f"`{key}`" not in text]
    assert missing == []


def test_links_between_sections_of_the_api_docs_lead_somewhere() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    sections = _sections(text)
    assert [a for a in re.findall(r"\]\((#[^)]+)\)", text) if a not in sections] == []


def test_every_action_has_a_docstring_for_help_show():
    assert [n for n, spec in load_actions().items() if not spec.doc] == []


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    defaults = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    missing = [f"{section}.{key}" for section, values in defaults.items() for key in values
               if f"`{section}.{key}`" not in text]
    assert missing == []


def _commands(group: click.Group, prefix: str = "shuyuan") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_cli_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert [c for c in _commands(main) if f"### {c}\n" not in text] == []


def _security_table_rows() -> list[str]:
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    table = text.split("\n## ", 2)[1]  # the first section: the table of control points
    return [line for line in table.splitlines() if line.startswith("| ") and "`test_" in line]


def test_every_test_the_security_table_cites_exists() -> None:
    """Each `test_…` in a row of docs/security.md's table is defined in the test file named
    before it in that row, so the table cannot cite a test that was renamed or removed."""
    root = DOCS.parent
    rows = _security_table_rows()
    assert len(rows) >= 20
    missing = []
    for row in rows:
        cell = row.split(" | ")[2]
        current: Path | None = None
        for match in re.finditer(r"(tests/[\w/]+\.py)|`(test_\w+)`", cell):
            if match.group(1):
                current = root / match.group(1)
                assert current.is_file(), f"{match.group(1)} named in docs/security.md is missing"
            elif current is None or not re.search(
                    rf"^def {match.group(2)}\(", current.read_text(encoding="utf-8"), re.M):
                missing.append(f"{current and current.relative_to(root)}::{match.group(2)}")
    assert missing == []
