"""The catalog's side of a datastore load: which resources are tables, the status shown on
each resource, and the background job that loads an uploaded file.

A resource's `DatastoreTable` says how its latest load went (pending ->
loading -> active | error) and holds the data dictionary. `datastore_active`
means a table exists (`loaded_at` is set): a failed or pending reload leaves
the previous table active and searchable.

The load job reads the file named by the resource when the job runs, so three
quick uploads load the newest file; a load that finishes after a newer upload
leaves the status `pending` for the load queued behind it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from desensitize.tables import RowIssue, TableError
from desensitize.tables.opening import table_format
from portal.datastore import Column
from portal.datastore.loader import Loader, LoadResult, Progress
from portal.jobs import Cancelled
from portal.models import DatastoreTable, Resource
from portal.models.base import utcnow
from portal.settings import private_dir

if TYPE_CHECKING:
    from portal.core.context import Context
    from portal.core.context import PortalServices as Portal

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000
INTERRUPTED = "the load was interrupted (the portal stopped); load the file again"


class LoadFailed(Exception):
    """A load that ended in status error; the message is the one on the resource."""


def table_source(res: Resource) -> str | None:
    """The file a resource's table is made from: the treated file the desensitization
    gate released once the entry is published into an open class (the table answers
    the public then), else the department's file."""
    return res.released_sha256 or res.blob_sha256


def reader_format(res: Resource) -> str | None:
    """The table format of a resource's uploaded file, or None when it is not a table."""
    return table_format(res.format, res.mimetype)


def _job(portal: Portal, resource_id: str) -> Any:
    def run(cancel: threading.Event) -> None:
        try:
            run_load(portal, resource_id, cancel=cancel)
        except LoadFailed as exc:
            log.info("datastore load of %s failed: %s", resource_id, exc)

    return run


def file_changed(ctx: Context, res: Resource) -> None:
    """A new file was stored for `res` in this transaction: load it once committed, or
    drop the table made from the previous file when the new one is not a table."""
    if not ctx.portal.datastore.setting("auto_load", True):
        return
    if reader_format(res) is None:
        resource_deleted(ctx, res)
        return
    table = res.datastore or DatastoreTable(resource_id=res.id, fields=[], message="")
    table.status, table.message, table.updated_at = "pending", "", utcnow()
    res.datastore = table
    ctx.portal.jobs.after_commit(ctx.session, f"datastore-load:{res.id}",
                                 _job(ctx.portal, res.id))


def resource_deleted(ctx: Context, res: Resource) -> None:
    """A deleted resource's rows leave the datastore (as in CKAN)."""
    if res.datastore is not None:
        portal, rid = ctx.portal, res.id
        portal.jobs.after_commit(ctx.session, f"datastore-drop:{rid}",
                                 lambda cancel: drop_table(portal, rid))


def resume_unfinished(portal: Portal) -> int:
    """Queue again the loads a stopped process left pending or half-done (at server start)."""
    from sqlalchemy import select

    with portal.session() as session:
        waiting = list(session.scalars(select(DatastoreTable.resource_id).where(
            DatastoreTable.status.in_(("pending", "loading")))))
    for rid in waiting:
        portal.jobs.submit(f"datastore-load:{rid}", _job(portal, rid))
    return len(waiting)


def drop_table(portal: Portal, resource_id: str) -> None:
    with portal.datastore.write() as db:
        portal.datastore.drop(db, resource_id)
    with portal.session() as session, session.begin():
        table = session.get(DatastoreTable, resource_id)
        if table is not None:
            session.delete(table)


def merged_fields(columns: list[Column], headers: list[str],
                  old: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The data dictionary of a new table: types from the load, descriptions kept by
    field id; a header cut to fit an id is kept as the label."""
    info_by_id = {f.get("id"): f.get("info") or {} for f in old or []}
    out = []
    for column, header in zip(columns, headers, strict=True):
        info = {"label": "", "notes": "", **info_by_id.get(column.id, {})}
        if not info["label"] and header != column.id:
            info["label"] = header
        out.append({"id": column.id, "type": column.type, "info": info})
    return out


def issues_message(result: LoadResult) -> str:
    notes = [f"row {i.row + 1}" + (f" (line {i.line})" if i.line else "") + f": {i.message}"
             for i in result.issues[:5]]
    text = ""
    if result.issues:
        text = f"{len(result.issues)} rows had problems: " + "; ".join(notes)
    return text[:MAX_MESSAGE]


def _begin(portal: Portal, resource_id: str) -> tuple[str, str, str | None] | None:
    """Mark the load as running; (blob sha, file name, reader format), or None when there
    is nothing to load (the resource is gone or holds no file)."""
    with portal.session() as session, session.begin():
        res = session.get(Resource, resource_id)
        if res is None or res.state == "deleted" or not res.blob_sha256:
            return None
        table = res.datastore or DatastoreTable(resource_id=res.id, fields=[], message="")
        table.status, table.message, table.updated_at = "loading", "", utcnow()
        res.datastore = table
        return table_source(res), os.path.basename(res.url or "") or res.id, reader_format(res)


def _finish(portal: Portal, resource_id: str, sha: str, result: LoadResult) -> None:
    with portal.session() as session, session.begin():
        res = session.get(Resource, resource_id)
        if res is None:
            return
        table = res.datastore or DatastoreTable(resource_id=res.id, fields=[], message="")
        table.fields = merged_fields(result.columns, result.headers, table.fields)
        table.row_count, table.source_sha256 = result.rows, sha
        table.loaded_at = table.updated_at = utcnow()
        # A newer file arrived meanwhile: its load is queued; say so until it has run.
        table.status = "active" if table_source(res) == sha else "pending"
        table.message = issues_message(result)
        res.datastore = table


def _fail(portal: Portal, resource_id: str, message: str) -> None:
    with portal.session() as session, session.begin():
        table = session.get(DatastoreTable, resource_id)
        if table is not None:
            table.status, table.message = "error", message[:MAX_MESSAGE]
            table.updated_at = utcnow()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def run_load(portal: Portal, resource_id: str, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> LoadResult | None:
    """Load the resource's file into its table now; None when it has no file.

    Raises LoadFailed (after recording the error on the resource) when the file
    cannot be loaded; the previous table, if any, stays as it was."""
    begun = _begin(portal, resource_id)
    if begun is None:
        return None
    sha, filename, fmt = begun
    tmp_root = portal.var_dir / "tmp"
    private_dir(tmp_root)  # 0700: work files of raw data
    try:
        with tempfile.TemporaryDirectory(dir=tmp_root, prefix="load-") as tmp:
            # The reader names the file in its messages: give it the upload's name.
            path = Path(tmp) / filename
            os.symlink(portal.blobs.path(sha), path)
            result = Loader(portal.datastore, resource_id, progress, cancel).load(path,
                                                                                   format=fmt)
    except TableError as exc:
        message = str(exc)
    except Cancelled:
        message = INTERRUPTED
    except (SQLAlchemyError, sqlite3.Error, OSError, ValueError) as exc:
        # PostgreSQL's COPY wraps a Cancelled raised by the row feed in its own error.
        if cancel is not None and cancel.is_set():
            message = INTERRUPTED
        else:
            log.warning("datastore load of %s failed", resource_id, exc_info=True)
            message = f"the rows could not be stored: {_first_line(exc)}"
    except Exception as exc:  # any database driver's error, never a silent "loading"
        if cancel is not None and cancel.is_set():
            message = INTERRUPTED
        else:
            log.exception("datastore load of %s failed", resource_id)
            message = f"the load failed: {type(exc).__name__}: {_first_line(exc)}"
    else:
        _finish(portal, resource_id, sha, result)
        return result
    _fail(portal, resource_id, message)
    raise LoadFailed(message)


__all__ = ["LoadFailed", "RowIssue", "file_changed", "reader_format", "run_load"]
