"""The unified catalog (Art. 15): organizations, catalog entries (datasets), resources.

The national catalog elements are real columns, not extras, so they can be
validated, indexed and reported on; CKAN's extras still round-trip for fields
harvested from elsewhere that we do not model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, new_id, utcnow

# "government": the county government (县人民政府办公室), which confirms the share requests
# of towns, zones and utilities after the bureau's approval (portal.actions.share_requests).
ORGANIZATION_TYPES = ("bureau", "department", "town", "development_zone", "public_utility",
                      "government")
CLASSIFICATIONS = ("base", "thematic", "department")
SHARE_TYPES = ("unconditional", "conditional", "none")
OPEN_TYPES = ("unconditional", "conditional", "none")
SHARE_METHODS = ("api", "file", "table_exchange")
UPDATE_PERIODS = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
GRADINGS = ("general", "important", "core")
DATASET_STATES = ("draft", "pending", "published", "withdrawn", "deleted")


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), default="department")
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side="Organization.id")
    datasets: Mapped[list[Dataset]] = relationship(back_populates="organization")


dataset_tag = Table(
    "dataset_tag",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

dataset_group = Table(
    "dataset_group",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("group.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)


class Group(Base):
    """A CKAN group: a theme that gathers datasets across organizations."""

    __tablename__ = "group"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dataset(Base):
    """A catalog entry (政务数据资源目录条目); CKAN calls it a package."""

    __tablename__ = "dataset"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[str] = mapped_column(String(100), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    author_email: Mapped[str] = mapped_column(String(200), default="")
    maintainer: Mapped[str] = mapped_column(String(200), default="")
    maintainer_email: Mapped[str] = mapped_column(String(200), default="")
    license_id: Mapped[str] = mapped_column(String(100), default="")
    owner_org: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    type: Mapped[str] = mapped_column(String(32), default="dataset")
    creator_user_id: Mapped[str | None] = mapped_column(String(36))
    metadata_created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # National catalog elements (GB/T 21063 style), see GLOSSARY.md for the names.
    resource_code: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    classification: Mapped[str] = mapped_column(String(16))
    category_path: Mapped[str] = mapped_column(String(200), default="")
    data_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(100), default="")
    update_period: Mapped[str] = mapped_column(String(16))
    share_type: Mapped[str] = mapped_column(String(16))
    share_condition: Mapped[str] = mapped_column(Text, default="")
    share_method: Mapped[str] = mapped_column(String(16), default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    open_type: Mapped[str] = mapped_column(String(16))
    open_condition: Mapped[str] = mapped_column(Text, default="")
    use_requirements: Mapped[str] = mapped_column(Text, default="")
    required_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    grading: Mapped[str] = mapped_column(String(16), default="general")
    issued: Mapped[date | None] = mapped_column(Date)
    modified: Mapped[date | None] = mapped_column(Date)
    spatial: Mapped[str] = mapped_column(Text, default="")
    temporal_start: Mapped[date | None] = mapped_column(Date)
    temporal_end: Mapped[date | None] = mapped_column(Date)
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    organization: Mapped[Organization] = relationship(back_populates="datasets")
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset",
        order_by="Resource.position",
        cascade="all, delete-orphan",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tag, order_by="Tag.name")
    groups: Mapped[list[Group]] = relationship(secondary=dataset_group, order_by="Group.name")


class Resource(Base):
    """A file or link belonging to a dataset; uploads live in the blob store by sha256."""

    __tablename__ = "resource"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    package_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    url_type: Mapped[str] = mapped_column(String(16), default="")
    format: Mapped[str] = mapped_column(String(50), default="")
    mimetype: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int | None] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(100), default="")
    blob_sha256: Mapped[str | None] = mapped_column(String(64))
    # The treated file the desensitization gate released for the public (publication.py);
    # None until an entry in an open class is approved. blob_sha256 stays the raw file.
    released_sha256: Mapped[str | None] = mapped_column(String(64))
    released_size: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="active")
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_modified: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dataset: Mapped[Dataset] = relationship(back_populates="resources")
    datastore: Mapped[DatastoreTable | None] = relationship(
        back_populates="resource", cascade="all, delete-orphan", uselist=False
    )
    versions: Mapped[list[ResourceVersion]] = relationship(
        back_populates="resource", order_by="ResourceVersion.version",
        cascade="all, delete-orphan",
    )


DATASTORE_STATES = ("pending", "loading", "active", "error")


class DatastoreTable(Base):
    """What the catalog knows of a resource's table in the datastore.

    The rows live in the datastore database (its own SQLite file, or its own
    schema on PostgreSQL); this record holds the load status shown on the
    resource and the data dictionary with its editable descriptions.
    """

    __tablename__ = "datastore_table"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")  # the error, or load notes
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    # [{"id": column, "type": "text|integer|numeric|date|timestamp", "info": {"label", "notes"}}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(back_populates="datastore")


class ResourceVersion(Base):
    """An earlier (or the current) uploaded file of a resource; blobs are never overwritten."""

    __tablename__ = "resource_version"
    __table_args__ = (UniqueConstraint("resource_id", "version", name="uq_resource_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(300), default="")
    mimetype: Mapped[str] = mapped_column(String(100), default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    creator: Mapped[str] = mapped_column(String(100), default="")

    resource: Mapped[Resource] = relationship(back_populates="versions")


def dataset_dict_loads() -> tuple[Any, ...]:
    """Loader options for everything a package dict shows, so dictizing a page of
    datasets costs a few queries instead of four per dataset."""
    from sqlalchemy.orm import joinedload, selectinload

    return (
        selectinload(Dataset.resources).selectinload(Resource.datastore),
        selectinload(Dataset.resources).selectinload(Resource.versions),
        selectinload(Dataset.tags),
        selectinload(Dataset.groups),
        joinedload(Dataset.organization).joinedload(Organization.parent),
    )
