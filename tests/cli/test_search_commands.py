"""`shuyuan search reindex` and `shuyuan search check`, run as an operator would."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.core.context import SYSTEM
from tests.cli.test_cli import fresh_env, portal_for, shuyuan
from tests.conftest import org_params, package_params


@pytest.fixture
def env(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    env = fresh_env(tmp_path, request)
    assert shuyuan(env, "init").returncode == 0
    portal = portal_for(env)
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    for name, title in (("schools", "全县中小学名录"), ("bus", "公交线路")):
        portal.call("package_create", package_params(name, "edu", title=title), user=SYSTEM)
    portal.dispose()
    return env


def names(env: dict[str, str], q: str) -> set[str]:
    portal = portal_for(env)
    try:
        return {d["name"] for d in portal.call("package_search", {"q": q})["results"]}
    finally:
        portal.dispose()


def test_check_reports_a_consistent_index(env: dict[str, str]) -> None:
    done = shuyuan(env, "search", "check")
    assert done.returncode == 0, done.stderr
    assert "checked 2 datasets: 0 missing from the index, 0 stale, 0 in the index only" \
        in done.stdout


def test_check_finds_what_was_removed_behind_the_index_s_back_and_fix_repairs_it(
        env: dict[str, str]) -> None:
    portal = portal_for(env)
    bus = portal.call("package_show", {"id": "bus"})["id"]
    portal.search.backend.write(portal.search.live_index(), [], [bus])
    portal.dispose()
    assert names(env, "gongjiao") == set()

    found = shuyuan(env, "search", "check")
    assert found.returncode == 1
    assert "1 missing from the index" in found.stdout and f"missing: {bus}" in found.stdout

    fixed = shuyuan(env, "search", "check", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "fixed" in fixed.stdout
    assert names(env, "gongjiao") == {"bus"}


def test_reindex_builds_a_new_index_with_the_same_answers(env: dict[str, str]) -> None:
    before = portal_for(env)
    old_name = before.search.live_index()
    before.dispose()
    done = shuyuan(env, "search", "reindex", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "indexed 2 datasets" in done.stdout
    assert "indexing" in done.stderr  # the progress bar
    after = portal_for(env)
    assert after.search.live_index() != old_name
    assert not after.search.backend.exists(old_name)
    after.dispose()
    assert names(env, "中小学") == {"schools"}
    assert names(env, "公交") == {"bus"}


def test_search_commands_on_an_uninitialised_database_say_so(tmp_path: Path,
                                                             request: pytest.FixtureRequest) -> None:
    env = fresh_env(tmp_path, request)
    done = shuyuan(env, "search", "check")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "shuyuan init" in done.stderr
