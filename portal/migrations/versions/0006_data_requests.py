"""data requests (数据需求): asked by the public, routed by the bureau, answered publicly

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("routed_to", sa.String(length=36), nullable=True),
        sa.Column("routed_by", sa.String(length=100), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dataset_id", sa.String(length=36), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["routed_to"], ["organization.id"],
                                name=op.f("fk_data_request_routed_to_organization")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request")),
    )
    op.create_index(op.f("ix_data_request_requester_id"), "data_request", ["requester_id"])
    op.create_index("ix_data_request_state_routed_to", "data_request", ["state", "routed_to"])


def downgrade() -> None:
    op.drop_index("ix_data_request_state_routed_to", table_name="data_request")
    op.drop_index(op.f("ix_data_request_requester_id"), table_name="data_request")
    op.drop_table("data_request")
