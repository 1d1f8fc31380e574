"""Catalog changes (Art. 19): a department's change of legal basis or duty, and the
two deadlines it sets — update the catalog within 10 working days of the change,
then report it to the bureau within 3 working days.

Deadlines are stored (computed once, with the calendar of the day they were set);
whether they are overdue depends on "today" and is worked out when read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, new_id, utcnow

CHANGE_KINDS = ("legal_basis", "duty")
CHANGE_STATES = ("open", "updated", "reported", "acknowledged")


class CatalogChange(Base):
    __tablename__ = "catalog_change"
    __table_args__ = (Index("ix_catalog_change_org_state", "organization_id", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")  # the law, regulation or decision
    changed_on: Mapped[date] = mapped_column(Date)
    # Names, as the audit log keeps actors: the local SYSTEM caller is no user row.
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    datasets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="open")
    update_due: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date | None] = mapped_column(Date)
    updated_late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Provisional (update_due + 3) until the update is done, then updated_on + 3.
    report_due: Mapped[date] = mapped_column(Date)
    reported_on: Mapped[date | None] = mapped_column(Date)
    reported_late: Mapped[bool] = mapped_column(Boolean, default=False)
    report_catalog: Mapped[str] = mapped_column(Text, default="")
    report_basis: Mapped[str] = mapped_column(Text, default="")
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
