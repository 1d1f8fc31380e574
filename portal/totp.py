"""The second factor: time-based one-time codes (RFC 6238, pyotp) and recovery codes.

A code is accepted in its 30-second step or the one before or after (clock drift), and
only once: the step of the last code accepted is kept, and a code of that step or an
earlier one is refused. Recovery codes are ten random 80-bit codes shown once; only
their SHA-256 is kept and each is good once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime, timedelta

import pyotp
import segno

DIGITS = 6
STEP = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: made here, never by an outside service."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, title="TOTP"))


def _plain(code: str) -> str:
    """Full-width digits and spaces or dashes typed in between are forgiven."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in text if ch not in " -\t").upper()


def matching_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The time step `code` belongs to, if it is a valid code for now that was not used
    (its step is after `last_step`); None otherwise."""
    code = _plain(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    found = None
    for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        moment = now + timedelta(seconds=drift * STEP)
        if hmac.compare_digest(totp.at(moment), code):
            found = totp.timecode(moment)
    if found is None or found <= last_step:
        return None
    return found


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        text = base64.b32encode(secrets.token_bytes(10)).decode("ascii")  # 16 characters
        codes.append("-".join(text[i:i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_hash(code: str) -> str:
    return hashlib.sha256(_plain(code).encode("utf-8", "replace")).hexdigest()
