"""datastore tables and resource versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:48:06.149042
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "datastore_table",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name=op.f("fk_datastore_table_resource_id_resource"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_datastore_table")),
    )
    op.create_table(
        "resource_version",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("creator", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name=op.f("fk_resource_version_resource_id_resource"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_version")),
        sa.UniqueConstraint("resource_id", "version", name="uq_resource_version"),
    )
    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_version_blob_sha256"), ["blob_sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resource_version_resource_id"), ["resource_id"], unique=False
        )

    # Files uploaded before versions existed become version 1 of their resource.
    bind = op.get_bind()
    uploads = bind.execute(
        sa.text(
            "SELECT id, blob_sha256, size, url, mimetype, created FROM resource "
            "WHERE url_type = 'upload' AND blob_sha256 IS NOT NULL"
        )
    ).fetchall()
    versions = sa.table(
        "resource_version",
        *(
            sa.column(c)
            for c in (
                "id",
                "resource_id",
                "version",
                "blob_sha256",
                "size",
                "filename",
                "mimetype",
                "created",
                "creator",
            )
        ),
    )
    if uploads:
        op.bulk_insert(
            versions,
            [
                {
                    "id": str(uuid.uuid4()),
                    "resource_id": r.id,
                    "version": 1,
                    "blob_sha256": r.blob_sha256,
                    "size": r.size or 0,
                    "filename": r.url or "",
                    "mimetype": r.mimetype or "",
                    "created": r.created,
                    "creator": "",
                }
                for r in uploads
            ],
        )


def downgrade() -> None:

    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_version_resource_id"))
        batch_op.drop_index(batch_op.f("ix_resource_version_blob_sha256"))

    op.drop_table("resource_version")
    op.drop_table("datastore_table")
