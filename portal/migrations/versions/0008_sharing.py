"""sharing between departments, conditional opening and grants (Art. 25-27)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grant",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_grant_organization_id_organization")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant")),
    )
    op.create_index(op.f("ix_grant_organization_id"), "grant", ["organization_id"])
    op.create_index(op.f("ix_grant_user_id"), "grant", ["user_id"])
    op.create_index("ix_grant_kind_status", "grant", ["kind", "status"])

    op.create_table(
        "grant_dataset",
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["grant.id"],
                                name=op.f("fk_grant_dataset_grant_id_grant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_grant_dataset_dataset_id_dataset")),
        sa.PrimaryKeyConstraint("grant_id", "dataset_id", name=op.f("pk_grant_dataset")),
    )
    op.create_index(op.f("ix_grant_dataset_dataset_id"), "grant_dataset", ["dataset_id"])

    op.create_table(
        "share_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requester_id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("needs_confirmation", sa.Boolean(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("granted_until", sa.Date(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_late", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_share_request_organization_id_organization")),
        sa.ForeignKeyConstraint(["grant_id"], ["grant.id"],
                                name=op.f("fk_share_request_grant_id_grant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_request")),
    )
    op.create_index("ix_share_request_status_org", "share_request",
                    ["status", "organization_id"])

    op.create_table(
        "share_request_dataset",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["share_request.id"],
                                name=op.f("fk_share_request_dataset_request_id_share_request"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_share_request_dataset_dataset_id_dataset")),
        sa.PrimaryKeyConstraint("request_id", "dataset_id",
                                name=op.f("pk_share_request_dataset")),
    )
    op.create_index(op.f("ix_share_request_dataset_dataset_id"), "share_request_dataset",
                    ["dataset_id"])

    op.create_table(
        "open_application",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("applicant_type", sa.String(length=16), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("security_measures", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_late", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_until", sa.Date(), nullable=True),
        sa.Column("grant_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_open_application_dataset_id_dataset")),
        sa.ForeignKeyConstraint(["grant_id"], ["grant.id"],
                                name=op.f("fk_open_application_grant_id_grant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_application")),
    )
    op.create_index(op.f("ix_open_application_applicant_id"), "open_application",
                    ["applicant_id"])
    op.create_index(op.f("ix_open_application_dataset_id"), "open_application", ["dataset_id"])
    op.create_index("ix_open_application_status_due", "open_application", ["status", "due"])

    op.create_table(
        "grant_use",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["grant.id"],
                                name=op.f("fk_grant_use_grant_id_grant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_use")),
    )
    op.create_index(op.f("ix_grant_use_grant_id"), "grant_use", ["grant_id"])
    op.create_index("ix_grant_use_dataset_at", "grant_use", ["dataset_id", "at"])

    op.create_table(
        "grant_token",
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"],
                                name=op.f("fk_grant_token_token_id_api_token"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["grant_id"], ["grant.id"],
                                name=op.f("fk_grant_token_grant_id_grant")),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_grant_token")),
    )
    op.create_index(op.f("ix_grant_token_grant_id"), "grant_token", ["grant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_grant_token_grant_id"), table_name="grant_token")
    op.drop_table("grant_token")
    op.drop_index("ix_grant_use_dataset_at", table_name="grant_use")
    op.drop_index(op.f("ix_grant_use_grant_id"), table_name="grant_use")
    op.drop_table("grant_use")
    op.drop_index("ix_open_application_status_due", table_name="open_application")
    op.drop_index(op.f("ix_open_application_dataset_id"), table_name="open_application")
    op.drop_index(op.f("ix_open_application_applicant_id"), table_name="open_application")
    op.drop_table("open_application")
    op.drop_index(op.f("ix_share_request_dataset_dataset_id"),
                  table_name="share_request_dataset")
    op.drop_table("share_request_dataset")
    op.drop_index("ix_share_request_status_org", table_name="share_request")
    op.drop_table("share_request")
    op.drop_index(op.f("ix_grant_dataset_dataset_id"), table_name="grant_dataset")
    op.drop_table("grant_dataset")
    op.drop_index("ix_grant_kind_status", table_name="grant")
    op.drop_index(op.f("ix_grant_user_id"), table_name="grant")
    op.drop_index(op.f("ix_grant_organization_id"), table_name="grant")
    op.drop_table("grant")
