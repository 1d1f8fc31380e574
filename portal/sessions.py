"""Web sessions kept on the server.

The browser's cookie carries a random session id (and the CSRF token and language);
the database keeps only the id's SHA-256, with the user, when it started, when it was
last used and from where. Signing out deletes the row, so a copied cookie is worth
nothing afterwards; a password change, a disabled account and a reset by the bureau
delete every row of the user. A session unused for `session_idle_minutes`, or older
than `session_absolute_hours`, is over.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.orm import Session, sessionmaker

from portal.core.clock import Clock
from portal.models import WebSession
from portal.settings import Settings

# last_seen is written at most this often (not on every page), so idle time is
# measured to within this much.
TOUCH_EVERY = timedelta(seconds=30)


def id_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Found:
    id_hash: str
    user_id: str
    stage: str


def end_user_sessions(session: Session, user_id: str, keep: str | None = None) -> int:
    """End every session of the user (but `keep`, a raw id), inside the caller's
    transaction; returns how many ended."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep:
        query = query.where(WebSession.id_hash != id_hash(keep))
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


class SessionStore:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 settings: Settings) -> None:
        self.session_factory = session_factory
        self.clock = clock
        s: Mapping[str, object] = settings.data.get("accounts", {})
        self.idle = timedelta(minutes=int(str(s.get("session_idle_minutes", 30))))
        self.absolute = timedelta(hours=int(str(s.get("session_absolute_hours", 12))))

    def _expired(self, now: datetime) -> ColumnElement[bool]:
        return or_(WebSession.last_seen_at <= now - self.idle,
                   WebSession.created_at <= now - self.absolute)

    def start(self, user_id: str, stage: str, address: str, user_agent: str) -> str:
        """A new session; returns the raw id for the cookie (never stored)."""
        raw = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            session.execute(delete(WebSession).where(self._expired(now)))
            session.add(WebSession(id_hash=id_hash(raw), user_id=user_id, stage=stage,
                                   created_at=now, last_seen_at=now, address=address[:64],
                                   user_agent=user_agent[:300]))
        return raw

    def find(self, raw: str) -> Found | None:
        """The live session with this id, its use noted; None for an unknown, ended or
        expired one (an expired one is deleted)."""
        if not raw or len(raw) > 200:
            return None
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            row = session.get(WebSession, id_hash(raw))
            if row is None:
                return None
            if row.last_seen_at <= now - self.idle or row.created_at <= now - self.absolute:
                session.delete(row)
                return None
            if now - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at = now
            return Found(row.id_hash, row.user_id, row.stage)

    def set_stage(self, raw: str, stage: str) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(WebSession, id_hash(raw))
            if row is not None:
                row.stage = stage

    def end(self, raw: str) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(delete(WebSession).where(WebSession.id_hash == id_hash(raw)))

    def end_user(self, user_id: str, keep: str | None = None) -> int:
        with self.session_factory() as session, session.begin():
            return end_user_sessions(session, user_id, keep)
