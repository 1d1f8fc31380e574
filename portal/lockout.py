"""Sign-in throttling: failures counted per account name and per client address; past a
threshold within the window the name (or the address) is locked for a while, and the
right password is refused too.

Names are counted whether or not an account bears them, so a lockout tells nothing
about which names exist. A name is counted in its plain form (`name_key`): full-width
letters and upper case count against the same name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.models import Lockout, SignInFailure
from portal.settings import Settings

NAME_MAX = 100


def name_key(raw: str) -> str:
    """The plain form of a typed user name: NFKC, case-folded, without surrounding spaces,
    at most 100 characters; a control character, format character or lone surrogate
    becomes U+FFFD, so such a name matches no account and can still be counted (the
    databases store no NUL and no surrogate). Real names are slugs, left as they are."""
    text = unicodedata.normalize("NFKC", raw or "").casefold().strip()
    kept = "".join("\ufffd" if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return kept[:NAME_MAX]


def address_key(address: str | None) -> str:
    return "".join(ch for ch in (address or "") if ch.isprintable())[:64]


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        s: Mapping[str, object] = settings.data.get("accounts", {})
        return cls(int(str(s.get("failures_per_account", 5))),
                   int(str(s.get("failures_per_address", 20))),
                   timedelta(minutes=int(str(s.get("failure_window_minutes", 15)))),
                   timedelta(minutes=int(str(s.get("lockout_minutes", 15)))))


def _keys(name: str, address: str) -> tuple[str, str]:
    return f"name:{name}", f"addr:{address}"


def locked(session: Session, name: str, address: str, now: datetime) -> bool:
    """Whether the name or the address is locked now."""
    keys = [k for k, v in zip(_keys(name, address), (name, address), strict=True) if v]
    if not keys:
        return False
    until = session.scalar(select(func.max(Lockout.until)).where(Lockout.key.in_(keys)))
    return until is not None and _aware(until) > now


def record_failure(session: Session, limits: Limits, name: str, address: str,
                   now: datetime) -> list[str]:
    """Count a failure; lock what reached its threshold. Returns the keys newly locked."""
    session.add(SignInFailure(name_key=name, address=address, at=now))
    session.flush()
    since = now - limits.window
    newly: list[str] = []
    for key, column, value, threshold in (
            (_keys(name, address)[0], SignInFailure.name_key, name, limits.per_account),
            (_keys(name, address)[1], SignInFailure.address, address, limits.per_address)):
        if not value:
            continue
        count = session.scalar(select(func.count()).select_from(SignInFailure)
                               .where(column == value, SignInFailure.at > since)) or 0
        if count >= threshold:
            row = session.get(Lockout, key)
            if row is None:
                session.add(Lockout(key=key, until=now + limits.lockout))
            else:
                row.until = now + limits.lockout
            # The failures that locked it are spent: after the lockout, a fresh count.
            session.execute(delete(SignInFailure).where(column == value))
            newly.append(key)
    # Old failures count for nothing: keep the table small.
    session.execute(delete(SignInFailure).where(SignInFailure.at <= since))
    return newly


def clear_name(session: Session, name: str) -> None:
    """After a successful sign-in the account's count starts again (the address's not)."""
    session.execute(delete(SignInFailure).where(SignInFailure.name_key == name))


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
