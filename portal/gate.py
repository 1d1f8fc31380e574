"""The desensitization gate as the portal runs it: one resource file, one target class.

A request never runs the gate itself. `Gate.ask(session, res, target, grading)`
adds a `ResourceRelease` row: decided at once when that needs no reading (a file
type the gate cannot read is "not_checked", data of a grading the target refuses
is "blocked"), otherwise `pending`, with a job queued for after the commit
(key "gate:RELEASE_ID"). The job (`Gate.run`) marks the row `running`, hands the
raw file (from the blob store) to `desensitize.apply`, writing `progress` (rows
scanned so far) as it goes, and in one last transaction stores the treated file
in the blob store when the policy allows it and sets the decision, the reasons
and the report (masked samples, never a raw value): `done`. A file the gate
cannot read is "not_checked", which never opens.

Crashes: apply() writes its output to a temporary file and renames it when it
is done; the treated blob is stored only after apply() has returned, in the
transaction that marks the release done, so a release is either done with its
file or still pending/running with no treated file (and nothing released from
it). A process that stopped with releases pending or running queues them again
when the next Portal starts (`Gate.resume`, called by Portal.__init__); the
re-run starts from the raw file.

Pseudonym keys: the bureau's secret is $SHUYUAN_DESENSITIZE_SECRET when set,
else a random key kept in var/secret/desensitize.key. The review's and the
public's treated files use it as it is. A conditionally open file downloaded
under a grant is made for its recipient (`recipient_release`) with a key derived
from it by HKDF for that recipient ("user:ID" for an open grant, "organization:ID"
for a share grant): one recipient's copies of several entries join on
pseudonyms, two recipients' copies do not. That file is made synchronously on the
recipient's first download (as long as one gate run on the file takes) and kept
as a release with `recipient` set, so the next download is the same file.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from desensitize.scanner import TEXT_EXTENSIONS
from desensitize.tables import TableError
from desensitize.tables.opening import table_format
from portal.core.context import Context, PortalServices
from portal.crypto import load_or_create_key
from portal.jobs import Cancelled
from portal.models import Resource, ResourceRelease
from portal.models.base import new_id, utcnow
from portal.models.publication import ALLOWING, UNFINISHED
from portal.settings import private_dir

if TYPE_CHECKING:
    from desensitize.policy import Policy
    from desensitize.scanner import Scanner
    from portal.blobs import BlobStore

log = logging.getLogger(__name__)

# A dataset's open type -> the class its files are treated for; "none" opens nothing.
OPEN_TARGETS = {"unconditional": "unconditional-open", "conditional": "conditional-open"}
SECRET_ENV = "SHUYUAN_DESENSITIZE_SECRET"
JOB_PREFIX = "gate:"
# A datastore table whose API-written rows the gate allowed: "gate:" + the target.
GATED_PREFIX = "gate:"
PROGRESS_EVERY = 0.5  # seconds between progress writes
STALE_WORK_SECONDS = 3600.0


def target_for(open_type: str) -> str | None:
    return OPEN_TARGETS.get(open_type)


def gated_marker(target: str) -> str:
    """What a datastore table is made from once the gate allowed its rows, written through
    the API, for `target` (DatastoreTable.source_sha256; portal/actions/datastore_gate.py)."""
    return f"{GATED_PREFIX}{target}"


@functools.cache
def shared_scanner() -> Scanner:
    # One per process: building the recognizers and loading jieba costs a second or two.
    from desensitize.scanner import Scanner

    return Scanner()


def _suffix(res: Resource) -> str:
    name = os.path.basename((res.url or "").split("?")[0])
    return os.path.splitext(name)[1].lower()


SEARCH_DRAIN_KEY = "search-drain"


def job_key(release_id: str) -> str:
    return JOB_PREFIX + release_id


@dataclass
class _File:
    """What the gate needs of a resource, read inside a transaction and used after it."""

    raw_sha256: str
    suffix: str
    table: str | None
    label: str
    items: list[dict[str, Any]] = field(default_factory=list)  # the entry's data items

    @classmethod
    def of(cls, res: Resource, raw_sha256: str) -> _File:
        items = [dict(i) for i in (res.dataset.data_items or []) if isinstance(i, dict)]
        return cls(raw_sha256, _suffix(res), table_format(res.format, res.mimetype), _name(res), items)


@dataclass
class Outcome:
    """One gate run: the decision, the reasons, the report, the treated file (a
    temporary path, gone once the run's block ends)."""

    decision: str
    reasons: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    treated: Path | None = None

    def store(self, blobs: BlobStore, row: ResourceRelease) -> None:
        """Fill `row` with this outcome, storing the treated file in the blob store."""
        row.decision, row.reasons, row.report = self.decision, self.reasons, self.report
        row.treated_sha256 = row.treated_size = None
        if self.decision in ALLOWING and self.treated is not None:
            with self.treated.open("rb") as stream:
                stored = blobs.put(stream)
            row.treated_sha256, row.treated_size = stored.sha256, stored.size
        row.state = "done"


def treatments(report: dict[str, Any] | None) -> dict[str, Any]:
    """What was done to each column, whatever the pseudonym key: two runs on one file
    for one target with different keys must agree on this."""
    out: dict[str, Any] = {}
    for col in (report or {}).get("columns") or []:
        entities = col.get("entities") or {}
        out[str(col.get("column"))] = (col.get("treatment"), sorted(
            (str(e), (s or {}).get("treatment")) for e, s in entities.items()))
    return out


# What the catalog does once a release is decided (portal.actions.publication): called
# in the transaction that stores the decision; True when the entry changed.
Finished = Callable[[Context, ResourceRelease], bool]


class Gate:
    def __init__(self, portal: PortalServices, finished: Finished) -> None:
        self.portal = portal
        self.finished = finished

    @functools.cached_property
    def policy(self) -> Policy:
        from desensitize.policy import load_policy
        from portal.settings import config_path

        path = str(self.portal.settings.get("desensitize", "policy", "") or "")
        return load_policy(config_path(path) if path else None)

    @functools.cached_property
    def secret(self) -> bytes:
        given = os.environ.get(SECRET_ENV, "")
        if given:
            return given.encode()
        return load_or_create_key(self.portal.var_dir / "secret" / "desensitize.key")

    def recipient_secret(self, recipient: str) -> bytes:
        """The pseudonym key of the files made for `recipient` ("user:ID" or
        "organization:ID"): HKDF-SHA256 of the bureau's secret, one key per recipient."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shuyuan-recipient-pseudonyms",
                    info=b"recipient:" + recipient.encode())
        return hkdf.derive(self.secret)

    # -- asking for a release (inside a request) ----------------------------------------

    def ask(self, session: Session, res: Resource, target: str,
            grading: str) -> ResourceRelease:
        """A release of `res`'s current file for `target`, added to `session`: decided at
        once when no reading is needed, else pending with its job queued after commit."""
        assert res.blob_sha256, "only uploaded files are released"
        row = ResourceRelease(id=new_id(), resource_id=res.id, raw_sha256=res.blob_sha256,
                              target=target, grading=grading, created=utcnow(), reasons=[],
                              report={}, state="pending", progress=0, decision=None)
        unreadable = self._unreadable(res)
        refused = None if unreadable else self.policy.target(target).grading_block(grading)
        if unreadable:
            row.decision, row.reasons, row.state = "not_checked", [unreadable], "done"
        elif refused:
            row.decision, row.reasons, row.state = "blocked", [refused], "done"
            row.report = {"file": _name(res), "target": target, "grading": grading,
                          "decision": "blocked", "reasons": [refused]}
        session.add(row)
        if row.state == "pending":
            portal, release_id = self.portal, row.id
            portal.jobs.after_commit(session, job_key(release_id),
                                     lambda cancel: portal.gate.run(release_id, cancel),
                                     urgent=True)
        return row

    def _unreadable(self, res: Resource) -> str | None:
        if table_format(res.format, res.mimetype) is None and _suffix(res) not in TEXT_EXTENSIONS:
            return (f"the gate reads tables (CSV, TSV, XLSX, JSON) and text files; a "
                    f"{res.format or _suffix(res) or 'file of unknown type'} file cannot be "
                    "checked, so it is not opened")
        return None

    # -- the job -------------------------------------------------------------------------

    def run(self, release_id: str, cancel: threading.Event | None = None) -> None:
        """The background job of one release (see the module's docstring)."""
        portal = self.portal
        with portal.session() as session, session.begin():
            row = session.get(ResourceRelease, release_id)
            if row is None or row.state == "done":
                return  # deleted with its resource, or done by an earlier run
            res = session.get(Resource, row.resource_id)
            if res is None:
                return
            row.state, row.progress = "running", 0
            work = _File.of(res, row.raw_sha256)
            target, grading = row.target, row.grading or res.dataset.grading
        progress = _ProgressWriter(portal, release_id, cancel)
        with self.check(work, target, grading, self.secret, progress) as outcome:
            progress.flush()
            self._finish(release_id, outcome)

    def _finish(self, release_id: str, outcome: Outcome) -> None:
        from portal import audit, blob_gc

        portal, changed = self.portal, False
        with portal.blobs.recording() as stored:
            try:
                with portal.session() as session, session.begin():
                    # Blobs are stored under the write lock (see portal/blob_gc.py).
                    audit.lock_head(session)
                    row = session.get(ResourceRelease, release_id)
                    if row is None or row.state == "done":
                        return
                    outcome.store(portal.blobs, row)
                    ctx = Context(action="desensitization_gate", session=session,
                                  portal=portal, request_id=JOB_PREFIX + release_id)
                    changed = self.finished(ctx, row)
            finally:
                if stored:
                    blob_gc.collect(portal.session_factory, portal.blobs, stored)
        if changed:
            # One index update for a run of gate jobs, not a commit each: waiting drains
            # share the key (a search applies the outbox first anyway).
            portal.jobs.submit(SEARCH_DRAIN_KEY, lambda _cancel: portal.search.after_write())

    def resume(self) -> int:
        """Queue again the releases a stopped process left pending or running (at start-up),
        and remove the scratch folders of runs it did not finish."""
        try:
            with self.portal.session() as session:
                waiting = list(session.scalars(
                    select(ResourceRelease.id).where(ResourceRelease.state.in_(UNFINISHED))
                    .order_by(ResourceRelease.created)))
        except SQLAlchemyError as exc:  # a database not migrated yet: nothing to resume
            log.debug("gate releases not resumed: %s", exc)
            return 0
        self._sweep_work()
        portal = self.portal
        for release_id in waiting:
            portal.jobs.submit(job_key(release_id),
                               lambda cancel, rid=release_id: portal.gate.run(rid, cancel),
                               urgent=True)
        if waiting:
            log.info("queued %d desensitization gate runs left unfinished", len(waiting))
        return len(waiting)

    def _sweep_work(self) -> None:
        import shutil

        tmp = self.portal.blobs.tmp_dir
        if not tmp.is_dir():
            return
        cutoff = time.time() - STALE_WORK_SECONDS
        for entry in tmp.glob("gate-*"):
            try:
                if entry.is_dir() and entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
            except FileNotFoundError:
                continue

    # -- one run of the gate -------------------------------------------------------------

    @contextmanager
    def check(self, work: _File, target: str, grading: str, secret: bytes,
              progress: Callable[[int], None] | None = None) -> Iterator[Outcome]:
        """Run desensitize.apply on the raw file; the outcome's treated file lives until
        the block ends. Unreadable files are "not_checked"."""
        from desensitize.apply import apply
        from desensitize.declared import DataItem

        blobs = self.portal.blobs
        private_dir(blobs.tmp_dir)
        with tempfile.TemporaryDirectory(dir=blobs.tmp_dir, prefix="gate-") as scratch:
            # apply() reads the format from the name; the blob store's names have none.
            source = Path(scratch) / f"raw{work.suffix or '.' + (work.table or 'txt')}"
            out = Path(scratch) / f"treated{source.suffix}"
            try:
                os.symlink(blobs.path(work.raw_sha256), source)
                # The catalog's data items: declared personal, public by law (desensitize.declared).
                items = [DataItem.from_json(i) for i in work.items]
                declared: dict[str, Any] = {"items": items} if items else {}
                report = apply(source, target, out, grading=grading, policy=self.policy,
                               secret=secret, scanner=shared_scanner(), format=work.table,
                               progress=progress, **declared)
            except (ValueError, TableError, OSError) as exc:  # unreadable: never opened
                yield Outcome("not_checked", [f"the file could not be checked: {exc}"])
                return
            public = _public_report(report.to_json(), work.label)
            treated = out if out.exists() else None
            yield Outcome(report.decision, list(report.reasons), public, treated)

    # -- files made for one recipient ----------------------------------------------------

    def recipient_release(self, session: Session, res: Resource,
                          recipient: str) -> ResourceRelease | None:
        """The released file of `res` made for `recipient` (see the module's docstring);
        None when the resource has no released file. Made on first use, then kept."""
        reference = self.reference(session, res)
        if reference is None:
            return None
        if reference.decision == "allowed":
            return reference  # nothing was treated: no pseudonym to key
        made = session.scalar(select(ResourceRelease).where(
            ResourceRelease.resource_id == res.id,
            ResourceRelease.raw_sha256 == reference.raw_sha256,
            ResourceRelease.target == reference.target,
            ResourceRelease.recipient == recipient, ResourceRelease.state == "done")
            .order_by(ResourceRelease.created.desc()).limit(1))
        if made is not None and made.treated_sha256 and self.portal.blobs.exists(
                made.treated_sha256):
            return made
        grading = reference.grading or res.dataset.grading
        work = _File.of(res, reference.raw_sha256)
        row = ResourceRelease(id=new_id(), resource_id=res.id, raw_sha256=reference.raw_sha256,
                              target=reference.target, grading=grading, recipient=recipient,
                              created=utcnow(), reasons=[], report={}, state="running",
                              progress=0, position=reference.position)
        with self.check(work, reference.target, grading, self.recipient_secret(recipient)
                        ) as outcome:
            if (outcome.decision != reference.decision
                    or treatments(outcome.report) != treatments(reference.report)):
                # The same file for the same class: only the key differs. Anything else is
                # a fault (a changed policy): serve nothing rather than something unreviewed.
                log.error("the file of resource %s made for %s differs from the reviewed one "
                          "(%s, not %s)", res.id, recipient, outcome.decision,
                          reference.decision)
                return None
            outcome.store(self.portal.blobs, row)
        session.add(row)
        session.flush()
        return row

    def reference(self, session: Session, res: Resource) -> ResourceRelease | None:
        """The release the public's (or the bureau's reviewed) file of `res` comes from."""
        if not res.released_sha256 or not res.blob_sha256:
            return None
        return session.scalar(select(ResourceRelease).where(
            ResourceRelease.resource_id == res.id,
            ResourceRelease.raw_sha256 == res.blob_sha256,
            ResourceRelease.treated_sha256 == res.released_sha256,
            ResourceRelease.recipient.is_(None), ResourceRelease.state == "done")
            .order_by(ResourceRelease.created.desc()).limit(1))


class _ProgressWriter:
    """apply()'s progress callback: adds up the rows, writes the count to the release
    now and then, and stops the run when the queue is cancelled (shutdown)."""

    def __init__(self, portal: PortalServices, release_id: str, cancel: threading.Event | None) -> None:
        self.portal, self.release_id, self.cancel = portal, release_id, cancel
        self.rows = 0
        self.written = 0
        self.last = time.monotonic()

    def __call__(self, n: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled(f"gate run of release {self.release_id}")
        self.rows += n
        if time.monotonic() - self.last >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.rows == self.written:
            return
        with self.portal.session() as session, session.begin():
            session.execute(update(ResourceRelease).where(
                ResourceRelease.id == self.release_id, ResourceRelease.state == "running")
                .values(progress=self.rows))
        self.written, self.last = self.rows, time.monotonic()


def _name(res: Resource) -> str:
    return os.path.basename(res.url or "") or res.name or res.id


def _public_report(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The report without the temporary paths it was made under."""
    report = dict(report)
    report["file"] = name
    report.pop("output", None)
    report.pop("policy", None)  # the whole policy per file; the target's rules are in the docs
    return report
