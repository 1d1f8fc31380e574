"""search outbox and state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_index(op.f("ix_search_outbox_dataset_id"), "search_outbox", ["dataset_id"])
    state = op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_name", sa.String(length=200), nullable=False),
        sa.Column("building", sa.String(length=200), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.bulk_insert(state, [{"id": 1, "index_name": "", "building": "",
                            "generation": 0}])
    # Existing catalogs: every dataset goes through the outbox into the first index.
    op.execute("INSERT INTO search_outbox (dataset_id) SELECT id FROM dataset")


def downgrade() -> None:
    op.drop_table("search_state")
    op.drop_index(op.f("ix_search_outbox_dataset_id"), table_name="search_outbox")
    op.drop_table("search_outbox")
