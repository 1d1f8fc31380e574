"""Passwords: hashed with argon2id (argon2-cffi), checked against the policy (GB/T 22239
asks for complexity) before they are stored.

Hashes made before argon2 (werkzeug's scrypt and pbkdf2) still verify; `verify` says
when a hash should be made again, and sign-in then stores an argon2 one.
"""

from __future__ import annotations

import functools
import secrets
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from werkzeug.security import check_password_hash

from portal.settings import Settings, SettingsError, config_path

# argon2-cffi's defaults (RFC 9106's low-memory choice: 3 passes over 64 MiB). Tests
# replace it with a cheap one (tests/support/passwords.py).
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@dataclass(frozen=True)
class Verified:
    ok: bool
    needs_rehash: bool = False


def verify(stored: str, password: str) -> Verified:
    """Whether `password` matches `stored`; never raises for a malformed hash."""
    if not stored:
        return Verified(False)
    if stored.startswith("$argon2"):
        try:
            HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verified(False)
        return Verified(True, HASHER.check_needs_rehash(stored))
    try:
        ok = check_password_hash(stored, password)
    except (ValueError, TypeError):
        return Verified(False)
    return Verified(ok, needs_rehash=ok)


@functools.cache
def _dummy(params: tuple[int, int, int]) -> str:
    return HASHER.hash(secrets.token_hex(16))


def dummy_verify(password: str) -> None:
    """A check as costly as a real one, for a name with no usable account, so the time a
    sign-in takes does not tell whether the name exists."""
    verify(_dummy((HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism)), password)


# --- the policy --------------------------------------------------------------------------

CLASSES = (str.islower, str.isupper, str.isdigit)


def _classes(password: str) -> int:
    found = {i for ch in password for i, test in enumerate(CLASSES) if test(ch)}
    if any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password):
        found.add(len(CLASSES))
    return len(found)


def _normal(text: str) -> str:
    """Full-width letters and odd case compared as plain lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


@functools.cache
def _common(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    words = path.read_text(encoding="utf-8").splitlines()
    return frozenset(_normal(w.strip()) for w in words if w.strip() and not w.startswith("#"))


@dataclass(frozen=True)
class Policy:
    min_length: int = 8
    min_length_staff: int = 10
    min_classes: int = 3
    common_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        section: Mapping[str, object] = settings.data.get("accounts", {})
        common = config_path(str(section.get("common_passwords", "")))
        if common is not None and not common.is_file():
            # Loud at start-up rather than a policy that quietly lets common passwords in.
            raise SettingsError(f"accounts.common_passwords: no such file: {common}")
        return cls(int(str(section.get("password_min_length", 8))),
                   int(str(section.get("password_min_length_staff", 10))),
                   int(str(section.get("password_min_classes", 3))), common)

    def problems(self, password: str, name: str = "", staff: bool = False) -> list[str]:
        """What is wrong with `password` for the account `name`; empty when it is good."""
        wanted = self.min_length_staff if staff else self.min_length
        found: list[str] = []
        if len(password) < wanted:
            found.append(f"Must be at least {wanted} characters long")
        if _classes(password) < self.min_classes:
            found.append(f"Must mix at least {self.min_classes} of: lower-case letters, "
                         "upper-case letters, digits, other characters")
        plain = _normal(password)
        if plain in _common(self.common_file) or len(set(plain)) <= 2:
            found.append("Is too common or too easy to guess")
        if name and _normal(name) in (plain, plain[::-1]):
            found.append("Must not be the user name")
        return found


def cheap_hasher() -> PasswordHasher:
    """The smallest argon2 parameters the library accepts: for tests only."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


PRINTABLE = string.ascii_letters + string.digits


def temporary_password() -> str:
    """A password the bureau hands to a user who must change it at the next sign-in:
    16 random letters and digits and a dash, so it passes any policy."""
    body = "".join(secrets.choice(PRINTABLE) for _ in range(14))
    return f"{body[:7]}-{body[7:]}{secrets.choice(string.digits)}A"
