"""memberships of accounts that are nobody's staff wait for the bureau (issue 15)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "membership_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_membership_request_user_id_user"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_membership_request_organization_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_request")),
        sa.UniqueConstraint("user_id", "organization_id", name="uq_membership_request_user_org"),
    )
    op.create_index(op.f("ix_membership_request_user_id"), "membership_request", ["user_id"])
    op.create_index(op.f("ix_membership_request_organization_id"), "membership_request",
                    ["organization_id"])


def downgrade() -> None:
    op.drop_table("membership_request")
