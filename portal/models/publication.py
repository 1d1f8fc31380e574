"""Publication review (发布审核): a department submits an entry, the desensitization
gate reports on every file against the open class asked for, the bureau decides.

A `ResourceRelease` is the gate's verdict on one raw file (by its sha256) for one
target class: the report, and the treated file when the gate allows it. The
public only ever downloads a released (treated) file; the raw file stays with
the department (Resource.blob_sha256) and the bureau.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, new_id, utcnow

REVIEW_STATES = ("pending", "approved", "rejected", "superseded")
# What a release's decision may be: desensitize's three, and not_checked for a file
# the gate cannot read (a PDF, an image): never published into an open class.
RELEASE_DECISIONS = ("allowed", "allowed_after_treatment", "blocked", "not_checked")
ALLOWING = ("allowed", "allowed_after_treatment")
# A release's gate job: waiting, reading the file, finished (decision set).
RELEASE_STATES = ("pending", "running", "done")
UNFINISHED = ("pending", "running")


class PublicationReview(Base):
    __tablename__ = "publication_review"
    __table_args__ = (Index("ix_publication_review_status_org", "status", "organization_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    open_type: Mapped[str] = mapped_column(String(16))
    share_type: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # Names, not user ids: the local SYSTEM caller may act and is no user row.
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    releases: Mapped[list[ResourceRelease]] = relationship(
        back_populates="review", order_by="ResourceRelease.position")


class ResourceRelease(Base):
    __tablename__ = "resource_release"
    __table_args__ = (Index("ix_resource_release_resource_raw", "resource_id", "raw_sha256"),
                      Index("ix_resource_release_state", "state"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # None when bureau staff published directly (their own call is the review).
    review_id: Mapped[str | None] = mapped_column(
        ForeignKey("publication_review.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(32))
    # None until the gate job has decided (state done).
    decision: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="done")
    progress: Mapped[int] = mapped_column(BigInteger, default=0)
    # The grading the file is checked for (the entry's when the release was asked for).
    grading: Mapped[str | None] = mapped_column(String(16))
    # "user:ID" or "organization:ID": a file made for one grant holder (see portal/gate.py).
    recipient: Mapped[str | None] = mapped_column(String(80))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    treated_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    treated_size: Mapped[int | None] = mapped_column(BigInteger)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[PublicationReview | None] = relationship(back_populates="releases")
