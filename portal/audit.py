"""Writing and verifying the audit log: an HMAC chain with signed checkpoints.

Each entry's hash is HMAC-SHA256, under the chain key (portal.audit_keys, kept
outside the database), of its content and the hash of the entry before it;
`audit_head` holds the newest seq and hash. Rewriting an entry and recomputing the
chain therefore needs the key, and a chain rebuilt even with the key, or cut and
grown again, disagrees with the signed checkpoints of its head that are written to
a file outside the database (portal.audit_checkpoint) every `audit.checkpoint_every`
entries and by `shuyuan audit verify` / `shuyuan audit checkpoint`.

The keys and the checkpoint file reach `append` and `verify` through the session:
`install()` puts the portal's AuditLog in its session factory's `info`. Without it,
or without the key once entries depend on it, nothing is written (fail closed).

Logs from before keying: their entries were chained with plain SHA-256, and there is
no chain key yet. The first write (or `shuyuan audit verify`) makes the key and pins
the newest of them with a signed "legacy" checkpoint; entries up to it are checked
with SHA-256, the rest keyed. Once a key exists, an unkeyed entry is a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.audit_checkpoint import CHECKPOINT_FILE, Checkpoint, CheckpointFile
from portal.audit_keys import AuditKeyError, AuditKeys, key_id
from portal.core.context import Context
from portal.core.errors import ActionError
from portal.models import AuditEntry, AuditHead
from portal.settings import Settings

log = logging.getLogger(__name__)

GENESIS = "0" * 64
INFO_KEY = "audit_log"
_DUE = "audit_checkpoint_due"  # session.info: the head to sign once the transaction commits
_MINE = "audit_appended"  # session.info: (hash, key) of the entry this transaction appended
DEFAULT_CHECKPOINT_EVERY = 1000


class AuditUnavailable(ActionError):
    """The log cannot be written safely (a key missing, a forged head): the action is
    refused rather than done unrecorded."""

    ckan_type = "Audit Error"
    status = 503


def entry_hash(key: bytes | None, seq: int, at: str, actor: str, action: str,
               object_type: str, object_id: str, detail: dict[str, Any],
               prev_hash: str) -> str:
    """HMAC-SHA256 of the entry under `key`; plain SHA-256 (key None) for entries
    written before the log was keyed."""
    payload = json.dumps(
        [seq, at, actor, action, object_type, object_id, detail, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def hash_of(key: bytes | None, entry: AuditEntry) -> str:
    return entry_hash(key, entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                      entry.object_id, entry.detail, entry.prev_hash)


@dataclass(frozen=True)
class AuditLog:
    """The portal's audit keys and checkpoint file, handed to sessions via `info`."""

    keys: AuditKeys
    checkpoints: CheckpointFile
    every: int

    def after_commit(self, session: Session) -> None:
        session.info.pop(_MINE, None)
        due = session.info.pop(_DUE, None)
        if due is None:
            return
        try:
            self.checkpoints.sign(kind="head", **due)
        except (AuditKeyError, OSError) as exc:
            # The entry is committed; a missing checkpoint shows at the next one or at verify.
            log.error("audit checkpoint of entry %s not written: %s", due["seq"], exc)

    def forget(self, session: Session) -> None:
        session.info.pop(_DUE, None)
        session.info.pop(_MINE, None)

    def checkpoint(self, session: Session) -> str:
        """Sign the committed head now (`shuyuan audit checkpoint`); returns the line."""
        head = _head(session)
        newest = session.get(AuditEntry, head.seq) if head.seq else None
        key = self.keys.chain_key()
        return self.checkpoints.sign(kind="head", seq=head.seq, hash=head.hash,
                                     entry_at=newest.at if newest else "",
                                     key_id=key_id(key) if key else "")


def install(session_factory: sessionmaker[Session], settings: Settings) -> AuditLog:
    """Give the factory's sessions the audit log's keys and checkpoints (Portal init)."""
    keys = AuditKeys(settings)
    every = int(settings.get("audit", "checkpoint_every", DEFAULT_CHECKPOINT_EVERY) or 0)
    audit_log = AuditLog(keys, CheckpointFile(settings.var_dir / CHECKPOINT_FILE, keys), every)
    session_factory.configure(info={INFO_KEY: audit_log})
    event.listen(session_factory, "after_commit", audit_log.after_commit)
    event.listen(session_factory, "after_rollback", audit_log.forget)
    return audit_log


def _log_of(session: Session) -> AuditLog:
    found = session.info.get(INFO_KEY)
    if not isinstance(found, AuditLog):
        raise AuditUnavailable("this session has no audit keys (made outside the portal's "
                               "session factory): refusing to write an unkeyed entry")
    return found


def _head(session: Session) -> AuditHead:
    head = session.get(AuditHead, 1)
    if head is None:  # schema made without the migration's seed row
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def lock_head(session: Session) -> None:
    """Take the write lock first thing in a write transaction.

    On PostgreSQL this row lock serialises appends to the chain; on SQLite a
    write as the first statement takes the database's write lock before any
    read, so the transaction never works from a stale snapshot.
    """
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))


# --- writing ------------------------------------------------------------------------------

def append(session: Session, *, actor: str, action: str, object_type: str = "",
           object_id: str = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    audit_log = _log_of(session)
    head = _head(session)
    mine = session.info.get(_MINE)
    if mine is not None and mine[0] == head.hash:
        key = mine[1]  # extending this transaction's own entry: checked when it was made
    else:
        try:
            key = _key_for_append(session, audit_log, head)
        except (AuditKeyError, OSError) as exc:
            raise AuditUnavailable(f"the audit log cannot be written: {exc}") from None
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    seq = head.seq + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    digest = entry_hash(key, seq, at, actor, action, object_type, object_id, detail, head.hash)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, object_type=object_type,
                       object_id=object_id, detail=detail, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    session.info[_MINE] = (digest, key)
    if audit_log.every and seq % audit_log.every == 0:
        session.info[_DUE] = {"seq": seq, "hash": digest, "entry_at": at,
                              "key_id": key_id(key)}
    return entry


def _key_for_append(session: Session, audit_log: AuditLog, head: AuditHead) -> bytes:
    """The chain key, once the newest entry is shown to be one the log may grow from."""
    keys = audit_log.keys
    if head.seq == 0:
        if any(c.seq > 0 for c in _trusted_checkpoints(audit_log)):
            raise AuditUnavailable("the audit log is empty but signed checkpoints record "
                                   "entries: it was deleted (run `shuyuan audit verify`)")
        return keys.create_chain_key()
    newest = session.get(AuditEntry, head.seq)
    if newest is None or newest.hash != head.hash:
        raise AuditUnavailable(f"the audit head names entry {head.seq}, which is missing or "
                               "differs: refusing to extend a damaged log (run `shuyuan "
                               "audit verify`)")
    key = keys.chain_key()
    if key is not None and hash_of(key, newest) == newest.hash:
        return key
    if hash_of(None, newest) == newest.hash:
        return _begin_keying(audit_log, newest, key)
    if key is None:
        raise AuditUnavailable(f"the audit chain key is missing ({keys.chain_path} or "
                               "$SHUYUAN_AUDIT_KEY) while the log holds entries written with "
                               "it: refusing to write an entry that could not be checked")
    raise AuditUnavailable(f"the newest audit entry, entry {newest.seq}, does not match its "
                           "HMAC: the log was forged or the chain key replaced (run "
                           "`shuyuan audit verify`)")


def _trusted_checkpoints(audit_log: AuditLog) -> list[Checkpoint]:
    found, problem = audit_log.checkpoints.read()
    if problem:
        raise AuditUnavailable(problem)
    return found


def _begin_keying(audit_log: AuditLog, newest: AuditEntry, key: bytes | None, *,
                  key_given: bool = False) -> bytes:
    """The newest entry is chained with plain SHA-256: a log from before keying, whose
    head is pinned with a signed "legacy" checkpoint once; anything else is a forgery.

    A log from before keying has neither checkpoints nor a chain key yet (the key is
    made here). With a key already there it is the old attack (the chain recomputed
    without the key) unless the operator says otherwise (`key_given`: `shuyuan audit
    verify --seal-legacy`, for a key set in the environment before the upgrade)."""
    checkpoints = _trusted_checkpoints(audit_log)
    legacy = max((c.seq for c in checkpoints if c.kind == "legacy"), default=0)
    if checkpoints:
        if key is None or legacy != newest.seq:
            raise AuditUnavailable(f"entry {newest.seq} is chained without the key after "
                                   "keying began: the log was forged (run `shuyuan audit "
                                   "verify`)")
        return key  # pinned already, nothing keyed yet
    if key is not None and not key_given:
        raise AuditUnavailable(f"entry {newest.seq} is chained without the key although the "
                               "chain key exists: the log was forged (run `shuyuan audit "
                               "verify`)")
    key = key or audit_log.keys.create_chain_key()
    audit_log.checkpoints.sign(kind="legacy", seq=newest.seq, hash=newest.hash,
                               entry_at=newest.at, key_id=key_id(key))
    log.warning("audit log: entries 1-%s were chained without a key; pinned by a signed "
                "checkpoint, new entries are keyed", newest.seq)
    return key


def record_read(ctx: Context, *, object_type: str, object_id: str, subjects: list[str],
                fields: list[str], detail: dict[str, Any] | None = None) -> None:
    """Record who read whose personal fields (Art. 35), in a transaction of its own: the
    read's transaction is read-only and must not take the write lock after reading."""
    with ctx.portal.session_factory() as session, session.begin():
        lock_head(session)
        append(session, actor=ctx.actor, action=ctx.action, object_type=object_type,
               object_id=object_id, detail={"read": fields, "of": subjects, **(detail or {})})


def seal_legacy(session: Session, *, key_given: bool = False) -> bool:
    """Pin a log from before keying, after checking it whole with SHA-256 (`shuyuan audit
    verify` at the upgrade); True when a legacy checkpoint was written now. With a chain
    key already there, only when `key_given` (see _begin_keying)."""
    audit_log = _log_of(session)
    head = _head(session)
    if head.seq == 0 or audit_log.checkpoints.has_any():
        return False
    key = audit_log.keys.chain_key()
    if key is not None and not key_given:
        return False  # left for verify to report
    newest = session.get(AuditEntry, head.seq)
    if newest is None or hash_of(None, newest) != newest.hash:
        return False
    if not _walk(session, {}, lambda seq: None).ok:
        return False  # left for verify to report
    _begin_keying(audit_log, newest, key, key_given=key_given)
    return True


# --- verifying ----------------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    bad_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order against its key and every signed checkpoint; report the
    first entry that was edited, forged, removed or added."""
    try:
        audit_log = _log_of(session)
    except AuditUnavailable as exc:
        return VerifyResult(False, 0, exc.message)
    checkpoints, problem = audit_log.checkpoints.read()
    if problem:
        return VerifyResult(False, 0, problem)
    key = audit_log.keys.chain_key()
    legacy = max((c.seq for c in checkpoints if c.kind == "legacy"), default=0)
    by_seq: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        by_seq[checkpoint.seq].append(checkpoint)

    def key_for(seq: int) -> bytes | None:
        return None if seq <= legacy else key

    hint = ""
    if key is not None and any(c.key_id not in ("", key_id(key)) for c in checkpoints):
        hint = " (the chain key in use is not the one the checkpoints name: was it replaced?)"
    if key is None:
        head = _head(session)
        if head.seq > legacy:
            return VerifyResult(False, 0, f"the audit chain key is missing "
                                f"({audit_log.keys.chain_path} or $SHUYUAN_AUDIT_KEY): entries "
                                f"{legacy + 1}-{head.seq} cannot be checked", legacy + 1)
    result = _walk(session, by_seq, key_for, hint)
    if not result.ok:
        return result
    last = max(checkpoints, key=lambda c: c.seq, default=None)
    if last is not None and last.seq > result.checked:
        return VerifyResult(False, result.checked, f"the log ends at entry {result.checked} but "
                            f"the checkpoint signed at {last.signed_at} (line {last.line}) "
                            f"records entry {last.seq}: entries were removed from the end",
                            result.checked + 1)
    return result


def _walk(session: Session, by_seq: dict[int, list[Checkpoint]],
          key_for: Callable[[int], bytes | None], hint: str = "") -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    checked = 0
    agreed = 0  # the last entry a checkpoint vouched for
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} is missing "
                                f"(next present entry is {entry.seq})", expected_seq)
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, f"entry {entry.seq} does not follow entry "
                                f"{entry.seq - 1}: the chain was broken", entry.seq)
        key = key_for(entry.seq)
        if hash_of(key, entry) != entry.hash:
            what = "its SHA-256 (chained before keying)" if key is None else "its HMAC"
            return VerifyResult(False, checked, f"entry {entry.seq} was edited or forged: its "
                                f"content does not match {what}{hint}", entry.seq)
        for checkpoint in by_seq.get(entry.seq, ()):
            if checkpoint.hash != entry.hash:
                return VerifyResult(False, checked, f"entry {entry.seq} differs from the "
                                    f"checkpoint signed at {checkpoint.signed_at} (line "
                                    f"{checkpoint.line}): the log was rewritten after entry "
                                    f"{agreed}{hint}", agreed + 1)
            agreed = entry.seq
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, f"the log ends at entry {checked} but its head "
                            f"records entry {head.seq}: entries were removed from the end",
                            checked + 1)
    return VerifyResult(True, checked)
