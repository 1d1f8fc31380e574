"""Users, their memberships in organizations, and API tokens (sessions, lockouts and
second factors: portal/models/security.py).

E-mail addresses are personal data (Art. 35): they are stored encrypted
(`email_encrypted`) with a keyed hash beside them for look-ups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, new_id, utcnow

ROLES = ("member", "editor", "admin")


class User(Base):
    __tablename__ = "user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    fullname: Mapped[str] = mapped_column(String(200), default="")
    about: Mapped[str] = mapped_column(Text, default="")
    email_encrypted: Mapped[str] = mapped_column(Text, default="")
    email_lookup: Mapped[str] = mapped_column(String(64), default="", index=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    sysadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    # "active", or "disabled" by the bureau: no sign-in, no token, sessions ended.
    state: Mapped[str] = mapped_column(String(16), default="active")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by a reset by the bureau: the temporary password must be changed at sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", name="uq_membership_user_org"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="member")

    user: Mapped[User] = relationship(back_populates="memberships")


class ApiToken(Base):
    """Only a SHA-256 of the token is kept; the token itself is shown once, at creation."""

    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_access: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_address: Mapped[str] = mapped_column(String(64), default="")
    # Past this the token authenticates nobody (accounts.token_days_* in the settings).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
