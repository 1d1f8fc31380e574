"""publication review (发布审核) and the desensitization gate's releases

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_review",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE",
                                name=op.f("fk_publication_review_dataset_id_dataset")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_review")),
    )
    op.create_index(op.f("ix_publication_review_dataset_id"), "publication_review", ["dataset_id"])
    op.create_index("ix_publication_review_status_org", "publication_review",
                    ["status", "organization_id"])
    op.create_table(
        "resource_release",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("review_id", sa.String(length=36), nullable=True),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("treated_sha256", sa.String(length=64), nullable=True),
        sa.Column("treated_size", sa.BigInteger(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["publication_review.id"], ondelete="CASCADE",
                                name=op.f("fk_resource_release_review_id_publication_review")),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE",
                                name=op.f("fk_resource_release_resource_id_resource")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_release")),
    )
    op.create_index(op.f("ix_resource_release_review_id"), "resource_release", ["review_id"])
    op.create_index(op.f("ix_resource_release_treated_sha256"), "resource_release",
                    ["treated_sha256"])
    op.create_index("ix_resource_release_resource_raw", "resource_release",
                    ["resource_id", "raw_sha256"])
    # The released (treated) file the public downloads; the raw file stays in blob_sha256.
    with op.batch_alter_table("resource") as batch:
        batch.add_column(sa.Column("released_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("released_size", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource") as batch:
        batch.drop_column("released_size")
        batch.drop_column("released_sha256")
    op.drop_index("ix_resource_release_resource_raw", table_name="resource_release")
    op.drop_index(op.f("ix_resource_release_treated_sha256"), table_name="resource_release")
    op.drop_index(op.f("ix_resource_release_review_id"), table_name="resource_release")
    op.drop_table("resource_release")
    op.drop_index("ix_publication_review_status_org", table_name="publication_review")
    op.drop_index(op.f("ix_publication_review_dataset_id"), table_name="publication_review")
    op.drop_table("publication_review")
