"""Signed checkpoints of the audit chain's head, kept in a file outside the database.

Each line of var/audit-checkpoints.jsonl (made 0600, only ever appended to) records a
head of the chain: its seq and hash, when that entry was written and when it was
signed, and the id of the chain key, signed with the Ed25519 checkpoint key
(portal.audit_keys). A chain rebuilt afterwards, even with the chain key, or cut and
grown again, disagrees with a checkpoint at some seq and fails verify. Kinds:

- "head": the chain's newest entry at the time of signing;
- "legacy": written once when keying began on a log from before: entries up to `seq`
  were chained with plain SHA-256, and this line pins their last hash.

Copy the file off the server (or mail the lines `shuyuan audit checkpoint` prints):
a copy the attacker cannot reach is what shows a deleted or rewritten file.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from portal.audit_keys import AuditKeyError, AuditKeys

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
KINDS = ("head", "legacy")


@dataclass(frozen=True)
class Checkpoint:
    kind: str
    seq: int
    hash: str
    entry_at: str
    signed_at: str
    key_id: str
    line: int  # in the file, from 1, for messages


def _signed_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _parse(data: Any, line: int) -> Checkpoint:
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise ValueError("not a checkpoint")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError("bad seq")
    texts = [data[k] for k in ("hash", "entry_at", "signed_at", "key_id")]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("bad field")
    return Checkpoint(data["kind"], seq, *texts, line=line)


class CheckpointFile:
    def __init__(self, path: Path, keys: AuditKeys) -> None:
        self.path = path
        self.keys = keys

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def has_any(self) -> bool:
        return any(line.strip() for line in self._lines())

    def sign(self, *, kind: str, seq: int, hash: str, entry_at: str, key_id: str) -> str:
        """Sign a head and append it as one line; returns the line. The checkpoint key is
        made on first use, but never while the file already holds checkpoints."""
        key = self.keys.signing_key(create=not self.has_any())
        if key is None:
            raise AuditKeyError(f"the audit checkpoint key is missing ({self.keys.checkpoint_path}"
                                f" or $SHUYUAN_AUDIT_CHECKPOINT_KEY) while {self.path} holds "
                                "checkpoints signed with it")
        fields = {"v": 1, "kind": kind, "seq": seq, "hash": hash, "entry_at": entry_at,
                  "signed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                  "key_id": key_id}
        signature = base64.b64encode(key.sign(_signed_bytes(fields))).decode("ascii")
        line = json.dumps({**fields, "sig": signature}, ensure_ascii=False, sort_keys=True)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # One write of one line with O_APPEND: lines of concurrent writers never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        return line

    def read(self) -> tuple[list[Checkpoint], str]:
        """Every checkpoint, each signature checked; or what is wrong with the first line
        that cannot be trusted (then the checkpoints before it)."""
        lines = [(n, raw) for n, raw in enumerate(self._lines(), 1) if raw.strip()]
        if not lines:
            return [], ""
        try:
            public = self.keys.verify_key()
        except AuditKeyError as exc:
            return [], str(exc)
        if public is None:
            return [], (f"the {len(lines)} checkpoints in {self.path.name} cannot be checked: "
                        f"the checkpoint key is missing ({self.keys.checkpoint_path} or "
                        "$SHUYUAN_AUDIT_CHECKPOINT_KEY or audit.checkpoint_public_key)")
        found: list[Checkpoint] = []
        for number, raw in lines:
            try:
                data = json.loads(raw)
                signature = base64.b64decode(data.pop("sig"), validate=True)
                public.verify(signature, _signed_bytes(data))
                found.append(_parse(data, number))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError,
                    binascii.Error, InvalidSignature):
                return found, (f"checkpoint line {number} of {self.path.name} is forged or "
                               "damaged: its signature does not match")
        return found, ""
