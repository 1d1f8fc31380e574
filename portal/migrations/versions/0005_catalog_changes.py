"""catalog changes (Art. 19) and their deadlines

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("datasets", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("update_due", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=True),
        sa.Column("updated_late", sa.Boolean(), nullable=False),
        sa.Column("report_due", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("reported_late", sa.Boolean(), nullable=False),
        sa.Column("report_catalog", sa.Text(), nullable=False),
        sa.Column("report_basis", sa.Text(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_catalog_change_organization_id_organization")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_change")),
    )
    op.create_index("ix_catalog_change_org_state", "catalog_change",
                    ["organization_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_catalog_change_org_state", table_name="catalog_change")
    op.drop_table("catalog_change")
