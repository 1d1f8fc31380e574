"""Account security: web sessions kept on the server, failed sign-ins and lockouts, and
the second factor (TOTP secrets and recovery codes).

Nothing here holds a secret in the clear: a session is found by the SHA-256 of the
random id its cookie carries, a TOTP secret is encrypted with the field key, a
recovery code is kept as its SHA-256 (codes are 80 random bits).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, new_id, utcnow

# Where a signed-in session stands: "full" may use the site; the others may only finish
# signing in (enter the code, enrol a second factor, change a temporary password).
SESSION_STAGES = ("code", "enroll", "change", "full")


class WebSession(Base):
    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16), default="full")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class SignInFailure(Base):
    """One failed sign-in, counted per account name and per client address."""

    __tablename__ = "sign_in_failure"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name_key: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Lockout(Base):
    """A name ("name:<key>") or an address ("addr:<ip>") refused until `until`."""

    __tablename__ = "sign_in_lockout"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class TotpCredential(Base):
    __tablename__ = "totp_credential"

    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code is good once, never again.
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    __tablename__ = "recovery_code"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
