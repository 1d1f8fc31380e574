"""Encryption of personal data at rest (Art. 35) and keyed look-up hashes.

The key lives in var/secret/fields.key (created on first use, mode 0600) unless
settings give one. Fernet gives authenticated encryption, so a tampered value
fails to decrypt instead of yielding garbage.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from portal.settings import private_dir


def load_or_create_key(path: Path) -> bytes:
    if path.is_file():
        return path.read_bytes().strip()
    private_dir(path.parent)  # var/secret: 0700
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._lookup_key = hashlib.sha256(b"lookup:" + key).digest()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii") if text else ""

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return ""

    def lookup(self, text: str) -> str:
        """A keyed hash for finding a record by an encrypted value (e.g. e-mail)."""
        if not text:
            return ""
        return hmac.new(self._lookup_key, text.strip().lower().encode(), "sha256").hexdigest()
