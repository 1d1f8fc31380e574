"""Memberships waiting for the bureau's confirmation.

An organization admin who adds an account that is nobody's staff (a citizen who
registered themself) makes a request here, not a Membership: the account gets no
role, and so no right to the department's drafts, until bureau staff confirm it
(organization_member_confirm turns the request into the Membership). Kept apart
from Membership so that no check of roles anywhere can mistake a request for one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, new_id, utcnow


class MembershipRequest(Base):
    __tablename__ = "membership_request"
    __table_args__ = (UniqueConstraint("user_id", "organization_id",
                                       name="uq_membership_request_user_org"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
