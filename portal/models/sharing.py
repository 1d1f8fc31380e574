"""Sharing between departments and conditional opening (Art. 25-27).

A `ShareRequest` is a unit's application to use other departments' data, with its
scenario, scope (data items) and period; an `OpenApplication` is a citizen's or a
company's application for conditionally open data. Approving either creates a
`Grant`: who may use which datasets, which data items, from when until when. Every
use of a grant (and every unconditional share access) is a `GrantUse` row, the
technical monitoring Art. 27 asks for. A `GrantToken` marks an API token that
carries only one grant's power.

Deadlines are stored when set (the calendar of that day); whether a request is
overdue depends on "today" and is worked out when read, as for data requests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, new_id, utcnow
from portal.models.catalog import Dataset, Organization

SHARE_REQUEST_STATES = ("pending", "awaiting_confirmation", "approved", "rejected")
OPEN_APPLICATION_STATES = ("pending", "approved", "rejected")
# Waiting for a decision: these are the states a deadline can be missed in.
WAITING_STATES = ("pending", "awaiting_confirmation")
GRANT_KINDS = ("share", "open")
GRANT_STATES = ("active", "revoked")
APPLICANT_TYPES = ("citizen", "company")

share_request_dataset = Table(
    "share_request_dataset",
    Base.metadata,
    Column("request_id", ForeignKey("share_request.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset_id", ForeignKey("dataset.id"), primary_key=True, index=True),
)

grant_dataset = Table(
    "grant_dataset",
    Base.metadata,
    Column("grant_id", ForeignKey("grant.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset_id", ForeignKey("dataset.id"), primary_key=True, index=True),
)


class Grant(Base):
    """Permission to use datasets: a share grant goes to an organization (every member
    may use it), an open grant to one user. `ends` is inclusive, a county date."""

    __tablename__ = "grant"
    __table_args__ = (Index("ix_grant_kind_status", "kind", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"),
                                                        index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Data item names the grant covers; empty: all of them.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    scenario: Mapped[str] = mapped_column(Text, default="")
    # Names, as the audit log keeps actors: the local SYSTEM caller is no user row.
    created_by: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "share_request" or "open_application"; no foreign key, as there are two kinds.
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(36))
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    datasets: Mapped[list[Dataset]] = relationship(secondary=grant_dataset,
                                                   order_by=Dataset.name)
    organization: Mapped[Organization | None] = relationship()


class ShareRequest(Base):
    __tablename__ = "share_request"
    __table_args__ = (Index("ix_share_request_status_org", "status", "organization_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    requested_by: Mapped[str] = mapped_column(String(100))
    # No foreign key: the local SYSTEM caller may file one and is no user row.
    requester_id: Mapped[str] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_on: Mapped[date] = mapped_column(Date)  # the county's date
    scenario: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), default="pending")
    # Towns, zones and utilities: the county government confirms after the bureau.
    needs_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    due: Mapped[date | None] = mapped_column(Date)  # None when approved at once
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_until: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_late: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("grant.id"))

    datasets: Mapped[list[Dataset]] = relationship(secondary=share_request_dataset,
                                                   order_by=Dataset.name)
    organization: Mapped[Organization] = relationship()


class OpenApplication(Base):
    """Who applied is personal data (Art. 35): shown to the applicant and the bureau only."""

    __tablename__ = "open_application"
    __table_args__ = (Index("ix_open_application_status_due", "status", "due"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    applicant_id: Mapped[str] = mapped_column(String(36), index=True)
    # Bureau staff may file a paper application for a registered user.
    filed_by: Mapped[str] = mapped_column(String(100))
    applicant_type: Mapped[str] = mapped_column(String(16), default="citizen")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id"), index=True)
    scenario: Mapped[str] = mapped_column(Text)
    security_measures: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    period_end: Mapped[date] = mapped_column(Date)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_late: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_until: Mapped[date | None] = mapped_column(Date)
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("grant.id"))

    dataset: Mapped[Dataset] = relationship()


class GrantUse(Base):
    """One use of data under a grant, or (grant_id None) an unconditional share access."""

    __tablename__ = "grant_use"
    __table_args__ = (Index("ix_grant_use_dataset_at", "dataset_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("grant.id"), index=True)
    # No foreign keys: the log outlives what it names, and SYSTEM is no user row.
    user_id: Mapped[str | None] = mapped_column(String(36))
    dataset_id: Mapped[str] = mapped_column(String(36))
    resource_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GrantToken(Base):
    """An API token restricted to one grant; revoking the token removes this row."""

    __tablename__ = "grant_token"

    token_id: Mapped[str] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"),
                                          primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grant.id"), index=True)
