"""The audit log's keys, kept outside the database (Art. 33-34: records protected from change).

Two keys, each given by a setting (best from the environment: $SHUYUAN_AUDIT_KEY,
$SHUYUAN_AUDIT_CHECKPOINT_KEY) or else read from a file under var/secret/ made 0600:

- the chain key (var/secret/audit.key): HMAC-SHA256 of every entry, so rewriting an
  entry and recomputing the chain needs it;
- the checkpoint key (var/secret/audit-checkpoint.key): an Ed25519 private key that
  signs checkpoints of the chain's head. Checkpoints are checked with its public key,
  which `audit.checkpoint_public_key` may pin (then a replaced private key is refused).

A key file is only ever created when nothing depends on it yet (an empty chain, no
checkpoints): a key that went missing is an error, never silently replaced.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from portal.settings import Settings

CHAIN_KEY_FILE = "audit.key"
CHECKPOINT_KEY_FILE = "audit-checkpoint.key"


class AuditKeyError(Exception):
    """A key that is missing where something depends on it, or cannot be used."""


def key_id(key: bytes) -> str:
    """A short public name of a chain key (in checkpoints), from which the key cannot
    be found: tells "wrong key" apart from "forged entry"."""
    return hmac.new(key, b"shuyuan audit key id", hashlib.sha256).hexdigest()[:16]


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_bytes().strip()
    except FileNotFoundError:
        return None
    return text or None


def _create(path: Path, text: bytes) -> bytes:
    """Write `text` to a new 0600 file; another process that made it first wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        found = _read(path)
        if found is None:
            raise AuditKeyError(f"{path} exists but is empty") from None
        return found
    with os.fdopen(fd, "wb") as out:
        out.write(text + b"\n")
    return text


def _public_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise AuditKeyError(f"audit.checkpoint_public_key is not an Ed25519 public key: "
                            f"{exc}") from None


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes_raw()).decode("ascii")


class AuditKeys:
    """Where the portal's audit keys come from (settings first, then var/secret/)."""

    def __init__(self, settings: Settings) -> None:
        secret_dir = settings.var_dir / "secret"
        self.chain_path = secret_dir / CHAIN_KEY_FILE
        self.checkpoint_path = secret_dir / CHECKPOINT_KEY_FILE
        self._chain_given = str(settings.get("audit", "key", "") or "").encode()
        self._checkpoint_given = str(settings.get("audit", "checkpoint_key", "") or "")
        self._pinned = str(settings.get("audit", "checkpoint_public_key", "") or "")

    # --- the chain key -------------------------------------------------------------------

    def chain_key(self) -> bytes | None:
        return self._chain_given or _read(self.chain_path)

    def create_chain_key(self) -> bytes:
        """The chain key, made now if there is none (only when no entry depends on it)."""
        return self.chain_key() or _create(
            self.chain_path, secrets.token_urlsafe(32).encode("ascii"))

    # --- the checkpoint key --------------------------------------------------------------

    def _private_from_text(self, text: bytes | str) -> Ed25519PrivateKey:
        try:
            raw = base64.b64decode(text, validate=True)
            return Ed25519PrivateKey.from_private_bytes(raw)
        except (ValueError, binascii.Error):
            raise AuditKeyError("the audit checkpoint key is not a base64 Ed25519 private "
                                "key (32 bytes)") from None

    def signing_key(self, *, create: bool) -> Ed25519PrivateKey | None:
        """The private key that signs checkpoints (made when `create` and there is none);
        refused when it does not match a pinned public key."""
        text: bytes | str | None = self._checkpoint_given or _read(self.checkpoint_path)
        if text is None and create:
            seed = Ed25519PrivateKey.generate().private_bytes_raw()
            text = _create(self.checkpoint_path, base64.b64encode(seed))
        if text is None:
            return None
        key = self._private_from_text(text)
        if self._pinned and public_key_text(key.public_key()) != self._pinned:
            raise AuditKeyError("the audit checkpoint key does not match "
                                "audit.checkpoint_public_key: it was replaced")
        return key

    def verify_key(self) -> Ed25519PublicKey | None:
        """The public key checkpoints are checked with: the pinned one, else the private
        key's (None: neither exists)."""
        if self._pinned:
            return _public_from_text(self._pinned)
        private = self.signing_key(create=False)
        return private.public_key() if private else None
