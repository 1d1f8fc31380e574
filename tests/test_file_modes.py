"""var/ is the portal's alone: what a portal creates there is 0700 (folders) and 0600
(files) whatever the umask, SQLite's -wal and -shm files included, and what an earlier
version left open to others is tightened when a portal opens it."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.actions.resources import Upload
from portal.app import create_app
from portal.core.context import SYSTEM
from portal.db import upgrade
from portal.services import Portal
from portal.settings import instance_settings, private_sqlite
from tests.conftest import org_params, package_params

pytestmark = pytest.mark.fresh_portal


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a careless shell: everything world-readable unless the portal says."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def var(tmp_path: Path, loose_umask: None) -> Iterator[Path]:
    """A portal on its own SQLite database inside var/, used once: an upload, a table."""
    var = tmp_path / "county" / "var"
    url = f"sqlite:///{var / 'shuyuan.db'}"
    upgrade(url)
    portal = Portal(instance_settings(var, url))
    try:
        create_app(portal)  # the Flask secret key
        portal.call("organization_create", org_params("edu"), user=SYSTEM)
        portal.call("package_create", package_params("schools", "edu", resources=[
            {"name": "名单", "upload": Upload("名单.csv", io.BytesIO("学校,人数\n一中,1\n".encode()))}]),
            user=SYSTEM)
        assert portal.jobs.wait_idle(60)  # the datastore load
        yield var
    finally:
        portal.dispose()


def test_what_a_portal_creates_is_its_own(var: Path) -> None:
    assert mode(var) == 0o700
    expected_files = ["shuyuan.db", "shuyuan.db-wal", "shuyuan.db-shm", "datastore.db",
                      "secret/fields.key", "secret/flask.key"]
    for name in expected_files:
        assert (var / name).is_file(), name
    blobs = [p for p in (var / "blobs").rglob("*") if p.is_file()]
    assert blobs, "the upload made no blob"
    # Every folder and file the portal made, wherever: none open to group or others.
    # The search index is a library's (tantivy): under var/ (0700) it is out of others'
    # reach anyway, and `shuyuan` sets the umask 077 for it (next test).
    open_to_others = sorted(
        f"{p.relative_to(var)} {mode(p):o}" for p in var.rglob("*")
        if "search" not in p.relative_to(var).parts and mode(p) & 0o077)
    assert open_to_others == []
    for name in expected_files:
        assert mode(var / name) == 0o600, name
    for folder in ("secret", "blobs", "blobs/tmp", blobs[0].parent.relative_to(var)):
        assert mode(var / folder) == 0o700, folder


def test_a_var_dir_left_open_by_an_earlier_version_is_tightened(tmp_path: Path,
                                                                loose_umask: None) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    db = var / "shuyuan.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    db.chmod(0o644)
    (var / "shuyuan.db-wal").touch(mode=0o644)
    portal = Portal(instance_settings(var, url))
    try:
        assert mode(var) == 0o700
        assert mode(db) == 0o600
        assert mode(var / "shuyuan.db-wal") == 0o600
    finally:
        portal.dispose()


def test_sqlite_files_are_0600_before_sqlite_opens_them(tmp_path: Path,
                                                        loose_umask: None) -> None:
    import sqlite3

    path = private_sqlite(tmp_path / "new" / "x.db")
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (a)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    assert {p.name: mode(p) for p in path.parent.iterdir()} == {
        "x.db": 0o600, "x.db-wal": 0o600, "x.db-shm": 0o600}
    conn.close()


def test_the_command_line_makes_var_private_whatever_the_shell_umask(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUYUAN_")}
    env |= {"SHUYUAN_STORAGE_VAR_DIR": str(var),
            "SHUYUAN_DATABASE_URL": f"sqlite:///{var / 'shuyuan.db'}"}
    # A shell's umask of 022; the command sets its own for what libraries create: the
    # umask it leaves is printed after it ran.
    script = ("import os; os.umask(0o022); from portal.cli import main; "
              "main(['init'], standalone_mode=False); print(oct(os.umask(0)))")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert mode(var) == 0o700
    assert mode(var / "shuyuan.db") == 0o600
    assert done.stdout.strip().splitlines()[-1] == "0o77"
