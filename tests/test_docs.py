"""Documentation is part of the product: every action, setting and CLI command has an entry."""

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
