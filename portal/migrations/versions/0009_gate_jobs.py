"""the desensitization gate as a background job; files made for one recipient

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00

A release is pending, running or done (existing rows were decided in the request
that made them: done); its decision is None until the job decides. `progress`
counts the rows scanned so far; `grading` is what the file is checked for;
`recipient` marks a file made for one grant holder (keyed pseudonyms).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resource_release") as batch:
        batch.add_column(sa.Column("state", sa.String(length=16), nullable=False,
                                   server_default="done"))
        batch.add_column(sa.Column("progress", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("grading", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("recipient", sa.String(length=80), nullable=True))
        batch.alter_column("decision", existing_type=sa.String(length=32), nullable=True)
    op.create_index("ix_resource_release_state", "resource_release", ["state"])


def downgrade() -> None:
    op.drop_index("ix_resource_release_state", table_name="resource_release")
    # Undecided and per-recipient releases have no place in the older schema.
    op.execute("DELETE FROM resource_release WHERE decision IS NULL OR recipient IS NOT NULL")
    with op.batch_alter_table("resource_release") as batch:
        batch.alter_column("decision", existing_type=sa.String(length=32), nullable=False)
        batch.drop_column("recipient")
        batch.drop_column("grading")
        batch.drop_column("progress")
        batch.drop_column("state")
