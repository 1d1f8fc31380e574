"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def entry_hash(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        [seq, at, actor, action, object_type, object_id, detail, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def lock_head(session: Session) -> None:
    """Take the write lock first thing in a write transaction.

    On PostgreSQL this row lock serialises appends to the chain; on SQLite a
    write as the first statement takes the database's write lock before any
    read, so the transaction never works from a stale snapshot.
    """
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))


def append(session: Session, *, actor: str, action: str, object_type: str = "",
           object_id: str = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    head = session.get(AuditHead, 1)
    if head is None:  # schema made without the migration's seed row
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    seq = head.seq + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    digest = entry_hash(seq, at, actor, action, object_type, object_id, detail, head.hash)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, object_type=object_type,
                       object_id=object_id, detail=detail, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    bad_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; report the first entry that was edited, removed or added."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} is missing "
                                f"(next present entry is {entry.seq})", expected_seq)
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, f"entry {entry.seq} does not follow entry "
                                f"{entry.seq - 1}: the chain was broken", entry.seq)
        digest = entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                            entry.object_id, entry.detail, entry.prev_hash)
        if digest != entry.hash:
            return VerifyResult(False, checked, f"entry {entry.seq} was edited: its content "
                                "does not match its hash", entry.seq)
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, f"the log ends at entry {checked} but its head "
                            f"records entry {head.seq}: entries were removed from the end",
                            checked + 1)
    return VerifyResult(True, checked)
