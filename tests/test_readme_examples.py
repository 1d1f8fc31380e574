"""The API examples of README.md and of the 开发者 page, run as written against a
served instance (waitress on a free port, as `shuyuan serve` runs it) holding a
small catalog: curl, Python requests and ckanapi must each find the entries."""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from portal.core.context import SYSTEM
from portal.raw_utf8_uri import install
from portal.settings import PROJECT_ROOT
from tests.conftest import org_params, package_params

pytestmark = [pytest.mark.fresh_portal, pytest.mark.slow]

README_BASE = "http://127.0.0.1:5000"
VENV_BIN = Path(sys.executable).parent


def readme_api_commands() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's API section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def page_examples(page: str) -> dict[str, str]:
    return {kind: html.unescape(code) for kind, code in re.findall(
        r'<code class="example" data-example="(\w+)">(.*?)</code>', page, re.S)}


@pytest.fixture
def served(live_server_factory: Any, tmp_path: Path) -> Any:
    install()  # what `shuyuan serve` does (portal/cli.py)
    server, portal = live_server_factory("readme")
    portal.call("organization_create", org_params("edu", title="泗县教育局"), user=SYSTEM)
    portal.call("package_create", package_params(
        "schools", "edu", title="全县中小学学校名录", classification="base"), user=SYSTEM)
    portal.call("package_create", package_params(
        "roads", "edu", title="农村公路里程", classification="base"), user=SYSTEM)
    return server


def run_shell(command: str, cwd: Path, path_first: Path | None = None) -> str:
    env = dict(os.environ)
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    else:  # as on a fresh machine: the venv is not on PATH
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if Path(p) != VENV_BIN)
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, (command, done.stdout[-1000:], done.stderr[-1000:])
    return done.stdout.decode("utf-8")


def check_command(command: str, output: str, cwd: Path) -> None:
    """What each kind of example must have found."""
    if "package_search" in command:
        assert "schools" in output and "roads" not in output, (command, output[:500])
    elif "dump datasets" in command:
        dumped = (cwd / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
        assert sorted(json.loads(line)["name"] for line in dumped) == ["roads", "schools"]
        (cwd / "catalog.jsonl").unlink()
    else:
        pytest.fail(f"an example this test does not know how to check: {command}")


def test_the_readme_api_examples_work_as_written(served: Any, tmp_path: Path) -> None:
    # The README's commands run from a clone's root: here a directory whose .venv is ours.
    (tmp_path / ".venv").symlink_to(VENV_BIN.parent)
    commands = readme_api_commands()
    assert any(c.startswith("curl ") for c in commands)
    assert any("ckanapi" in c for c in commands)
    for command in commands:
        if command.startswith("curl ") and shutil.which("curl") is None:
            print(f"curl is not installed: skipped {command}")
            continue
        live = command.replace(README_BASE, served.url)
        check_command(live, run_shell(live, tmp_path), tmp_path)


def test_the_developer_page_examples_work(served: Any, tmp_path: Path) -> None:
    page = requests.get(f"{served.url}/developer", timeout=30).text
    examples = page_examples(page)
    assert set(examples) == {"curl", "python", "ckanapi"}
    assert served.url in examples["curl"]

    if shutil.which("curl") is None:
        print("curl is not installed: skipped the page's curl example")
    else:
        check_command(examples["curl"], run_shell(examples["curl"], tmp_path), tmp_path)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(examples["python"], {})  # noqa: S102 - the page's own example, run as a reader would
    assert printed.getvalue().split() == ["schools", "全县中小学学校名录"]

    # The page says `pip install ckanapi`: the venv's ckanapi is that install.
    for command in examples["ckanapi"].splitlines():
        check_command(command, run_shell(command, tmp_path, path_first=VENV_BIN), tmp_path)
