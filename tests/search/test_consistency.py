"""The index after a crash, after tampering, and across a rebuild.

A process is killed (os._exit, no cleanup) at the worst moments: after a write
committed but before it was indexed, after the index was written but before the
outbox rows were cleared, and half-way through a rebuild. A new portal on the same
database and var dir must find the database right, see the gap (`check`), and
close it when it starts. `check(fix=True)` repairs an index changed behind the
portal's back, and a rebuild gives the same answers and keeps the writes made
while it ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.context import SYSTEM
from portal.models import Dataset, SearchState
from portal.search import document
from portal.search import service as service_module
from portal.services import Portal
from portal.settings import PROJECT_ROOT, Settings
from tests.conftest import org_params, package_params

KILLED = 9

# Runs in a child process: builds a Portal on the given var dir and database, arms one
# crash point, then makes the writes. It must die with KILLED at the armed point.
CHILD = textwrap.dedent("""
    import json
    import os
    import sys
    from pathlib import Path

    from portal.search.service import SearchService
    from portal.search.tantivy_index import TantivyIndex
    from portal.core.context import SYSTEM
    from portal.services import Portal
    from tests.conftest import make_settings


    def main() -> None:
        var_dir, url, crash, writes = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
        portal = Portal(make_settings(Path(var_dir), url))
        portal.start_search()
        done = []

        if crash == "after-commit":
            # The last write has committed; die before anything reaches the index.
            def after_write(self):
                done.append(1)
                if len(done) == len(writes):
                    os._exit(9)
            SearchService.after_write = after_write
        elif crash == "after-index-write":
            # The documents are in the index; die before the outbox rows are deleted.
            original = TantivyIndex.write
            def write(self, name, upserts, deletes):
                original(self, name, upserts, deletes)
                os._exit(9)
            TantivyIndex.write = write
        elif crash == "mid-rebuild":
            def progress(done_, total):
                os._exit(9)
            portal.search.rebuild(progress=progress, workers=1)
        for action, params in writes:
            portal.call(action, params, user=SYSTEM)
        sys.exit(0)  # not reached: the crash point was not


    if __name__ == "__main__":
        main()
""")


def run_child(tmp_path: Path, settings: Settings, crash: str,
              writes: list[tuple[str, dict[str, Any]]]) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), str(settings.var_dir), settings.database_url, crash,
         json.dumps(writes, ensure_ascii=False)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == KILLED, (done.returncode, done.stdout, done.stderr[-3000:])
    return done


def names(portal: Portal, q: str, **params: Any) -> set[str]:
    found = portal.call("package_search", {"q": q, "rows": 1000, **params})
    return {d["name"] for d in found["results"]}


def dataset_row(portal: Portal, name: str) -> Dataset | None:
    with portal.session() as session:
        return session.scalar(select(Dataset).where(Dataset.name == name))


@pytest.fixture
def seeded(settings: Settings) -> Iterator[Settings]:
    """An organization and two published entries, indexed; the portal is gone again."""
    portal = Portal(settings)
    try:
        portal.call("organization_create", org_params("org"), user=SYSTEM)
        portal.call("package_create", package_params("old", "org", title="原有条目 水质月报"),
                    user=SYSTEM)
        portal.call("package_create", package_params("kept", "org", title="保留条目 空气日报"),
                    user=SYSTEM)
        assert portal.search.check().consistent
    finally:
        portal.dispose()
    yield settings


@pytest.fixture
def reopened(seeded: Settings) -> Iterator[Callable[[], Portal]]:
    """A new portal on the seeded settings, made by the test after the child ran."""
    made: list[Portal] = []

    def _open() -> Portal:
        made.append(Portal(seeded))
        return made[-1]

    yield _open
    for p in made:
        p.dispose()


WRITES: list[tuple[str, dict[str, Any]]] = [
    ("package_patch", {"id": "old", "title": "改过的条目 水质月报"}),
    ("package_create", package_params("new", "org", title="崩溃前创建 噪声监测")),
]


# --- crashes ---------------------------------------------------------------------

@pytest.mark.slow
def test_killed_between_commit_and_indexing(tmp_path: Path, seeded: Settings,
                                            reopened: Callable[[], Portal]) -> None:
    run_child(tmp_path, seeded, "after-commit", WRITES)
    portal = reopened()
    # The database has both writes...
    new, old = dataset_row(portal, "new"), dataset_row(portal, "old")
    assert new is not None and new.state == "published"
    assert old is not None and old.title == "改过的条目 水质月报"
    # ...the index neither, and check says so before the portal starts.
    report = portal.search.check()
    assert (report.missing, report.stale, report.extra) == ([new.id], [old.id], [])
    assert report.queued >= 2 and not report.consistent
    # The first call starts the search service, which applies the outbox.
    assert names(portal, "崩溃前创建") == {"new"}
    assert names(portal, "改过的条目") == {"old"}
    assert names(portal, "原有条目") == set()
    report = portal.search.check()
    assert report.consistent and report.queued == 0 and report.checked == 3


@pytest.mark.slow
def test_killed_after_the_index_write_before_the_outbox_cleared(tmp_path: Path, seeded: Settings,
                                                               reopened: Callable[[], Portal]) -> None:
    run_child(tmp_path, seeded, "after-index-write", WRITES[:1])
    portal = reopened()
    # The outbox still holds the row; applying it again is harmless.
    assert portal.search.pending() >= 1
    portal.start_search()
    assert portal.search.pending() == 0
    report = portal.search.check()
    assert report.consistent and report.checked == 2
    assert names(portal, "改过的条目") == {"old"}
    # The index is writable again: the killed process's writer lock went with it.
    portal.call("package_patch", {"id": "kept", "title": "崩溃之后 空气日报"}, user=SYSTEM)
    assert names(portal, "崩溃之后") == {"kept"}


@pytest.mark.slow
def test_killed_half_way_through_a_rebuild(tmp_path: Path, seeded: Settings,
                                           reopened: Callable[[], Portal]) -> None:
    run_child(tmp_path, seeded, "mid-rebuild", [])
    portal = reopened()
    with portal.session() as session:
        state = session.get(SearchState, 1)
        assert state is not None and state.building and state.index_name
        live, half_built = state.index_name, state.building
    search_dir = seeded.var_dir / "search"
    assert (search_dir / half_built).exists()
    # The old index kept answering and still does.
    assert names(portal, "保留条目") == {"kept"}
    with portal.session() as session:
        state = session.get(SearchState, 1)
        assert state is not None and state.building == "" and state.index_name == live
    assert not (search_dir / half_built).exists()
    assert portal.search.check().consistent


# --- check(fix=True) -------------------------------------------------------------

def test_check_fix_repairs_missing_stale_and_extra_documents(seeded: Settings,
                                                            reopened: Callable[[], Portal]) -> None:
    portal = reopened()
    portal.start_search()
    svc = portal.search
    live = svc.live_index()
    old = portal.call("package_show", {"id": "old"}, user=SYSTEM)
    kept = portal.call("package_show", {"id": "kept"}, user=SYSTEM)
    # Behind the portal's back: one document removed, one made stale, one ghost added.
    svc.backend.write(live, [], [old["id"]])
    stale = document.build({**kept, "title": "过时的标题"}, svc.analyzer)
    ghost_data = {**kept, "id": "00000000-0000-0000-0000-00000000dead", "name": "ghost",
                  "title": "幽灵条目", "resource_code": "341324-ghost"}
    svc.backend.write(live, [stale, document.build(ghost_data, svc.analyzer)], [])
    assert names(portal, "原有条目") == set()
    assert names(portal, "过时的标题") == {"kept"}
    assert names(portal, "幽灵条目") == {"ghost"}

    report = svc.check()
    assert (report.missing, report.stale, report.extra) == \
        ([old["id"]], [kept["id"]], [ghost_data["id"]])
    assert svc.check().missing == [old["id"]]  # check alone changes nothing

    fixed = svc.check(fix=True)
    assert (fixed.missing, fixed.stale, fixed.extra) == \
        ([old["id"]], [kept["id"]], [ghost_data["id"]])
    assert svc.check().consistent and svc.pending() == 0
    assert names(portal, "原有条目") == {"old"}
    assert names(portal, "保留条目") == {"kept"}
    assert names(portal, "过时的标题") == set()
    assert names(portal, "幽灵条目") == set()


# --- rebuild ---------------------------------------------------------------------

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("", {}), ("水质", {}), ("公交 线路", {}), ("gongjiao", {}), ('"道路交通事故"', {}),
    ("tags:交通", {}), ("", {"fq": "res_format:CSV"}), ("条目", {}),
    ("", {"include_drafts": True, "include_private": True}),
]


def catalog(portal: Portal) -> None:
    """A dozen entries: published, private, draft and deleted, with tags and formats."""
    titles = ["县城公交线路", "公交站点信息", "道路交通事故统计", "河流水质监测", "空气质量日报",
              "公共停车场", "充电桩分布", "学校名录", "幼儿园名录", "医疗机构名录"]
    for i, title in enumerate(titles):
        extra: dict[str, Any] = {}
        if i == 3:
            extra["private"] = True
        if i == 4:
            extra["publication_state"] = "draft"
        portal.call("package_create", package_params(
            f"entry-{i}", "org", title=title, tags=[{"name": "交通" if i < 3 else "民生"}],
            resources=[{"name": "d", "format": "CSV" if i % 2 else "JSON",
                        "url": f"http://example.cn/{i}"}], **extra), user=SYSTEM)
    portal.call("package_delete", {"id": "entry-9"}, user=SYSTEM)


def answers(portal: Portal) -> list[Any]:
    out = []
    for q, extra in QUERIES:
        for user in (None, SYSTEM):
            found = portal.call("package_search", {"q": q, "rows": 1000, **extra}, user=user)
            # Equal scores may come back in another order from a new index: compare the sets,
            # and the order where the sort decides it.
            out.append((q, user is None, found["count"],
                        sorted(d["name"] for d in found["results"]), found["facets"]))
        ordered = portal.call("package_search", {"q": q, "rows": 1000, "sort": "name asc",
                                                 **extra}, user=SYSTEM)
        out.append([d["name"] for d in ordered["results"]])
    return out


def test_rebuild_gives_the_same_answers(seeded: Settings, reopened: Callable[[], Portal]) -> None:
    portal = reopened()
    catalog(portal)
    before = answers(portal)
    old_name = portal.search.live_index()
    assert portal.search.rebuild() == 11  # 2 seeded + 10 made - 1 deleted
    assert portal.search.live_index() != old_name
    assert not (seeded.var_dir / "search" / old_name).exists()
    assert answers(portal) == before
    assert portal.search.check().consistent


def test_writes_during_a_rebuild_are_there_after_it(seeded: Settings, reopened: Callable[[], Portal],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    portal = reopened()
    catalog(portal)
    # A write waits this long for the drain lock before leaving its rows to the rebuild.
    monkeypatch.setattr(service_module, "WRITE_DRAIN_WAIT", 0.2)
    holding, go = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        holding.set()
        assert go.wait(60), "the test never let the rebuild go on"

    def rebuild() -> None:
        try:
            outcome["indexed"] = portal.search.rebuild(progress=progress, workers=1)
        except BaseException as exc:  # reported by the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=rebuild, daemon=True)
    worker.start()
    try:
        assert holding.wait(60), "the rebuild did not start"
        portal.call("package_create", package_params("during", "org", title="重建期间新增"),
                    user=SYSTEM)
        portal.call("package_patch", {"id": "old", "title": "重建期间修改"}, user=SYSTEM)
        portal.call("package_delete", {"id": "entry-0"}, user=SYSTEM)
        portal.call("package_patch", {"id": "entry-1", "private": True}, user=SYSTEM)
        assert portal.search.pending() >= 4  # the rebuild holds the lock: left in the outbox
        # Searches still answer meanwhile, from the old index.
        assert "kept" in names(portal, "保留条目")
    finally:
        go.set()
        worker.join(120)
    assert not worker.is_alive() and "error" not in outcome, outcome
    assert portal.search.pending() == 0
    assert names(portal, "重建期间新增") == {"during"}
    assert names(portal, "重建期间修改") == {"old"}
    assert names(portal, "原有条目") == set()
    assert names(portal, "县城公交线路") == set()
    assert names(portal, "公交站点信息") == set()
    assert names(portal, "公交站点信息", include_private=True) == set()
    assert {d["name"] for d in portal.call(
        "package_search", {"q": "公交站点信息", "include_private": True}, user=SYSTEM)["results"]} \
        == {"entry-1"}
    report = portal.search.check()
    assert report.consistent and report.checked == 11


# --- an index written by another version -------------------------------------------

def test_an_index_in_an_older_format_is_replaced_at_start(seeded: Settings,
                                                          reopened: Callable[[], Portal]) -> None:
    """After an upgrade that changes the index's fields, the old index cannot be opened:
    the portal builds a new one from the database instead of failing every search."""
    import tantivy

    portal = reopened()
    with portal.session() as session:
        old_name = session.get(SearchState, 1).index_name
    old_dir = seeded.var_dir / "search" / old_name
    assert (old_dir / "meta.json").is_file()
    # What an earlier release might have left: the same name, a different schema.
    for child in old_dir.iterdir():
        child.unlink()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True)
    tantivy.Index(builder.build(), path=str(old_dir))

    assert names(portal, "水质月报") == {"old"}
    assert names(portal, "空气日报") == {"kept"}
    with portal.session() as session:
        new_name = session.get(SearchState, 1).index_name
    assert new_name != old_name and not old_dir.exists()
    assert portal.search.check().consistent


def test_an_index_named_by_an_older_release_is_replaced_at_start(
        seeded: Settings, reopened: Callable[[], Portal]) -> None:
    """The index format is part of the name: an index an earlier release built (with
    fewer fields, on any backend) is not searched after the upgrade."""
    import shutil

    portal = reopened()
    with portal.session() as session, session.begin():
        state = session.get(SearchState, 1)
        old_dir = seeded.var_dir / "search" / state.index_name
        state.index_name = "shuyuan-0123456789ab"  # how release 1 named its indexes
        shutil.copytree(old_dir, seeded.var_dir / "search" / state.index_name)
    assert names(portal, "水质月报") == {"old"}
    with portal.session() as session:
        assert session.get(SearchState, 1).index_name.startswith(
            f"shuyuan-f{service_module.INDEX_FORMAT}-")
    assert not (seeded.var_dir / "search" / "shuyuan-0123456789ab").exists()
