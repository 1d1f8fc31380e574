"""Data requests (数据需求): the public asks for data that is not published yet; the
bureau routes the request to a department, which answers it publicly.

The request text and the answer are public (unless the requester asks otherwise);
who asked never is: requester_id is kept for notifications and the requester's own
view, and no dict built from this row carries it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, new_id, utcnow

REQUEST_STATES = ("submitted", "routed", "answered", "declined")
CLOSED_STATES = ("answered", "declined")


class DataRequest(Base):
    __tablename__ = "data_request"
    __table_args__ = (Index("ix_data_request_state_routed_to", "state", "routed_to"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    # No foreign key: the local SYSTEM caller may file one and is no user row.
    requester_id: Mapped[str] = mapped_column(String(36), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    routed_to: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    # Names, as the audit log keeps actors.
    routed_by: Mapped[str | None] = mapped_column(String(100))
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stored when routed (the calendar of that day); overdue is worked out when read.
    due: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text, default="")  # public; a decline's reason too
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No foreign key, as CatalogChange.datasets: the entry is checked when linked.
    dataset_id: Mapped[str | None] = mapped_column(String(36))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
