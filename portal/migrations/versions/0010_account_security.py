"""Account security: server-side sessions, sign-in failures, TOTP, token expiry (issue 15).

Revision ID: 0010
Revises: 0009

Tokens made before this revision get an expiry 90 days after the upgrade (the default
lifetime), so no token stays good forever and none stops at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("password_changed_at", TZ, nullable=True))
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("last_address", sa.String(length=64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("expires_at", TZ, nullable=True))
    expires = datetime.now(UTC) + timedelta(days=90)
    op.execute(sa.text("UPDATE api_token SET expires_at = :at WHERE expires_at IS NULL")
               .bindparams(sa.bindparam("at", expires, type_=TZ)))

    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE",
                                name=op.f("fk_web_session_user_id_user")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"])

    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(op.f("ix_sign_in_failure_name_key"), "sign_in_failure", ["name_key"])
    op.create_index(op.f("ix_sign_in_failure_address"), "sign_in_failure", ["address"])
    op.create_index(op.f("ix_sign_in_failure_at"), "sign_in_failure", ["at"])

    op.create_table(
        "sign_in_lockout",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("until", TZ, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_lockout")),
    )

    op.create_table(
        "totp_credential",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE",
                                name=op.f("fk_totp_credential_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_totp_credential")),
    )

    op.create_table(
        "recovery_code",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE",
                                name=op.f("fk_recovery_code_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_table("totp_credential")
    op.drop_table("sign_in_lockout")
    for column in ("at", "address", "name_key"):
        op.drop_index(op.f(f"ix_sign_in_failure_{column}"), table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("last_address")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("must_change_password")
