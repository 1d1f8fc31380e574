"""No record points to a partial file, and a failed upload leaves no file behind.

A blob is stored before the row naming it is written; when the transaction then
fails, Portal.call removes the blobs it stored that no committed row references
(portal/blob_gc.py). Temporary files of a process that died mid-upload are swept
when the portal starts.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.actions.permissions import RULES, anyone
from portal.actions.registry import ActionSpec
from portal.actions.resources import store_upload
from portal.core.context import Context
from portal.core.errors import ValidationError
from portal.core.validation import as_given
from portal.models import Organization, Resource
from portal.services import Portal
from tests.resources.conftest import Shelf, blob_files, upload

DATA = "区域,人口\n城关镇,52000\n".encode()
SHA = hashlib.sha256(DATA).hexdigest()


def blob_path(sha: str) -> str:
    return f"{sha[:2]}/{sha[2:4]}/{sha}"


def resource_count(portal: Portal) -> int:
    with portal.session() as session:
        return session.scalar(select(func.count()).select_from(Resource)) or 0


def add_action(portal: Portal, name: str, func: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An action for this portal only (the shared registry is left alone), open to anyone
    (a rule in the one table, for this test only), taking an upload."""
    monkeypatch.setitem(RULES, name, anyone)
    portal.actions = {**portal.actions, name: ActionSpec(name, func, False, "test action",
                                                         schema={"upload": [as_given]})}


def failing_package(shelf: Shelf, name: str, data: bytes = DATA) -> None:
    """package_create that stores its first resource's file, then refuses the second."""
    from tests.conftest import package_params

    with pytest.raises(ValidationError):
        shelf.call("package_create", package_params(name, "stats", resources=[
            {"name": "人口", "upload": upload("人口.csv", data)},
            {"name": "坏链接", "url": "javascript:alert(1)"},
        ]))


def test_validation_error_after_the_file_was_stored_leaves_no_file(shelf: Shelf) -> None:
    failing_package(shelf, "broken")
    assert resource_count(shelf.portal) == 0
    assert blob_files(shelf.portal) == []


def test_database_error_after_the_file_was_stored_leaves_no_file(
        shelf: Shelf, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import IntegrityError

    def store_then_fail(ctx: Context, params: dict[str, Any]) -> None:
        store_upload(ctx, params["upload"])
        ctx.session.add(Organization(name="stats", title="重名"))  # the name is taken
        ctx.session.flush()

    add_action(shelf.portal, "store_then_fail", store_then_fail, monkeypatch)
    with pytest.raises(IntegrityError):
        shelf.call("store_then_fail", {"upload": upload("x.csv", DATA)})
    assert blob_files(shelf.portal) == []


def test_a_blob_a_committed_row_references_is_kept(shelf: Shelf) -> None:
    res = shelf.call("resource_create", {"package_id": "population",
                                         "upload": upload("人口.csv", DATA)})
    failing_package(shelf, "broken")  # the same content, in a call that fails
    assert blob_files(shelf.portal) == [blob_path(SHA)]
    assert res["hash"] == SHA


def test_earlier_versions_keep_their_blobs(shelf: Shelf) -> None:
    res = shelf.call("resource_create", {"package_id": "population",
                                         "upload": upload("人口.csv", DATA)})
    shelf.call("resource_patch", {"id": res["id"], "upload": upload("人口.csv", b"v2")})
    assert blob_path(SHA) in blob_files(shelf.portal)


def test_a_committed_call_that_left_a_blob_unreferenced_removes_it(
        shelf: Shelf, monkeypatch: pytest.MonkeyPatch) -> None:
    add_action(shelf.portal, "store_only",
               lambda ctx, params: store_upload(ctx, params["upload"])[0], monkeypatch)
    sha = shelf.call("store_only", {"upload": upload("x.csv", DATA)})
    assert sha == SHA
    assert blob_files(shelf.portal) == []


def test_a_concurrent_upload_of_the_same_file_is_not_removed_under_it(
        shelf: Shelf, monkeypatch: pytest.MonkeyPatch) -> None:
    """Call F stores a file and fails; call C stores the same file while F tidies up.

    The race is forced: F's check for references waits until C has stored the
    file (or 1.5 s), and C commits only after F's check. Without the write lock
    around the check, F would see no reference and remove the file C commits.
    """
    from portal import blob_gc
    from portal.actions import lookup
    from portal.actions.resources import new_resource

    f_checking, c_stored, f_done = threading.Event(), threading.Event(), threading.Event()
    real_remove = blob_gc.remove_unreferenced
    errors: list[BaseException] = []
    made: list[str] = []

    def remove_after_c_stored(*args: Any) -> list[str]:
        if threading.current_thread().name == "F":
            f_checking.set()
            c_stored.wait(1.5)  # C cannot store while F's check holds the lock
        try:
            return real_remove(*args)
        finally:
            if threading.current_thread().name == "F":
                f_done.set()

    def store_then_refuse(ctx: Context, params: dict[str, Any]) -> None:
        store_upload(ctx, params["upload"])
        raise ValidationError({"name": ["refused after the file was stored"]})

    def store_then_commit(ctx: Context, params: dict[str, Any]) -> str:
        res = new_resource(ctx, lookup.dataset(ctx.session, "population"),
                           {"upload": params["upload"]})
        c_stored.set()
        f_done.wait(10)
        ctx.session.flush()
        return res.id

    monkeypatch.setattr(blob_gc, "remove_unreferenced", remove_after_c_stored)
    add_action(shelf.portal, "store_then_refuse", store_then_refuse, monkeypatch)
    add_action(shelf.portal, "store_then_commit", store_then_commit, monkeypatch)

    def run_f() -> None:
        try:
            shelf.call("store_then_refuse", {"upload": upload("人口.csv", DATA)})
        except ValidationError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def run_c() -> None:
        f_checking.wait(10)  # F has rolled back and is checking references
        try:
            made.append(shelf.call("store_then_commit", {"upload": upload("人口.csv", DATA)}))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run_f, name="F"), threading.Thread(target=run_c, name="C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(made) == 1
    assert blob_files(shelf.portal) == [blob_path(SHA)]
    assert shelf.portal.blobs.open(SHA).read() == DATA


# --- temporary files of a process that died --------------------------------------------------------

def test_stale_temporary_files_are_swept_when_the_portal_starts(portal: Portal) -> None:
    tmp = portal.blobs.tmp_dir
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / "upload-crashed", tmp / "upload-in-progress"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"another process is still writing this")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    restarted = Portal(portal.settings)
    try:
        assert sorted(p.name for p in tmp.iterdir()) == ["upload-in-progress"]
    finally:
        restarted.dispose()


def test_a_recording_sees_only_its_own_thread_s_blobs(tmp_path) -> None:
    import io

    from portal.blobs import BlobStore

    store = BlobStore(tmp_path)
    other: list[str] = []

    def elsewhere() -> None:
        with store.recording() as written:
            store.put(io.BytesIO(b"other thread"))
            other.extend(written)

    with store.recording() as mine:
        store.put(io.BytesIO(b"this thread"))
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert mine == [hashlib.sha256(b"this thread").hexdigest()]
    assert other == [hashlib.sha256(b"other thread").hexdigest()]
    store.put(io.BytesIO(b"not recorded"))  # no recording open: nothing to collect
    assert mine == [hashlib.sha256(b"this thread").hexdigest()]
