"""The `shuyuan` command line from an empty database to a working API token, and bad
input that ends as one clear line and a non-zero exit, never a traceback.

The happy path runs the installed `shuyuan` script in a subprocess, configured
the way an operator would (SHUYUAN_* environment variables); the table of bad
input uses click's CliRunner with the same environment, which is faster and
shows an escaping exception as `result.exception`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, select

from portal import passwords
from portal.app import create_app
from portal.cli import main
from portal.core.context import SYSTEM
from portal.models import User
from portal.services import Portal
from portal.settings import load_settings
from tests.api.helpers import Api
from tests.conftest import BACKEND, org_params

SHUYUAN = Path(sys.executable).parent / "shuyuan"


def fresh_env(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings for an empty database that nothing has migrated yet."""
    if BACKEND == "postgresql":
        url = request.getfixturevalue("pg_cluster").create_database(f"cli_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'shuyuan.db'}"
    return {"SHUYUAN_STORAGE_VAR_DIR": str(tmp_path / "var"), "SHUYUAN_DATABASE_URL": url}


@pytest.fixture
def env(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return fresh_env(tmp_path, request)


def shuyuan(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SHUYUAN_")} | env
    return subprocess.run([str(SHUYUAN), *args], input=stdin, capture_output=True, text=True,
                          env=full, timeout=60, check=False)


def portal_for(env: dict[str, str]) -> Portal:
    return Portal(load_settings(environ=env))


def test_init_user_and_token_give_a_working_api_token(env: dict[str, str]) -> None:
    done = shuyuan(env, "init")
    assert done.returncode == 0, done.stderr
    assert Path(env["SHUYUAN_STORAGE_VAR_DIR"]).is_dir()
    engine = create_engine(env["SHUYUAN_DATABASE_URL"])
    assert {"dataset", "audit_entry", "user"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert shuyuan(env, "db", "upgrade").returncode == 0  # again: nothing to do, no error

    done = shuyuan(env, "user", "create", "admin", "--sysadmin", "--password-stdin",
                   stdin="a long passphrase\n")
    assert (done.returncode, done.stdout.strip()) == (0, "created user admin (sysadmin)")
    done = shuyuan(env, "token", "create", "admin")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token and "\n" not in token

    portal = portal_for(env)
    try:
        with portal.session() as session:
            admin = session.scalar(select(User).where(User.name == "admin"))
            assert admin is not None and admin.sysadmin
            assert passwords.verify(admin.password_hash, "a long passphrase").ok
        api = Api(create_app(portal).test_client())
        status, body = api.post("organization_create", org_params("edu"), token=token)
        assert status == 200, body
        status, body = api.post("api_token_list", {}, token=token)
        assert [t["name"] for t in body["result"]] == ["cli"]
        assert api.post("organization_create", org_params("x2"), token=token + "x")[0] == 403
    finally:
        portal.dispose()


def test_a_bad_command_line_gives_one_line_on_stderr(env: dict[str, str]) -> None:
    assert shuyuan(env, "init").returncode == 0
    done = shuyuan(env, "token", "create", "nobody")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == "Error: api_token_create failed: User not found: nobody"


def _invoke(env: dict[str, str], args: list[str], stdin: str = "") -> Any:
    runner = CliRunner()
    environ: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SHUYUAN_")}
    return runner.invoke(main, args, input=stdin, env={**environ, **env})


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
          ) -> dict[str, str]:
    """An initialised database with an organization (edu) and a user (admin), shared by
    the bad-input table: each case checks that it changed nothing."""
    env = fresh_env(tmp_path_factory.mktemp("cli"), request)
    assert _invoke(env, ["init"]).exit_code == 0
    assert _invoke(env, ["user", "create", "admin", "--sysadmin"]).exit_code == 0
    portal = portal_for(env)
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    portal.dispose()
    return env


BAD = {
    # label: (arguments, stdin, words the one-line error must contain)
    "a login name that is not a slug": (["user", "create", "Bad Name"], "", ["name"]),
    "a login name in use": (["user", "create", "admin"], "", ["name", "already in use"]),
    "a short password": (["user", "create", "bob", "--password-stdin"], "short\n",
                         ["password", "8"]),
    "no password on stdin": (["user", "create", "bob", "--password-stdin"], "",
                             ["password", "standard input"]),
    "a bad e-mail": (["user", "create", "bob", "--email", "nope"], "", ["email"]),
    "an unknown organization": (["user", "create", "bob", "--org", "nosuch:editor"], "",
                                ["nosuch"]),
    "an unknown role": (["user", "create", "bob", "--org", "edu:owner"], "", ["role"]),
    "a token for no one": (["token", "create", "nobody"], "", ["nobody"]),
    "an unknown revision": (["db", "upgrade", "--revision", "nosuch"], "", ["nosuch"]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_clear_line_and_changes_nothing(ready: dict[str, str],
                                                         case: str) -> None:
    args, stdin, words = BAD[case]
    result = _invoke(ready, args, stdin)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert all(w in lines[0] for w in words), lines[0]
    portal = portal_for(ready)
    try:
        with portal.session() as session:
            assert session.scalars(select(User.name)).all() == ["admin"]  # no half-made bob
    finally:
        portal.dispose()


@pytest.mark.parametrize("args", [["user", "create", "bob"], ["token", "create", "admin"],
                                  ["audit", "verify"]])
def test_a_database_never_initialised_is_a_clear_error(env: dict[str, str],
                                                       args: list[str]) -> None:
    result = _invoke(env, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "shuyuan init" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_bad_setting_is_a_clear_error(env: dict[str, str]) -> None:
    result = _invoke({**env, "SHUYUAN_SERVER_PORT": "eighty"}, ["init"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "SHUYUAN_SERVER_PORT" in result.output
