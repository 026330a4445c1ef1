"""two-factor login: TOTP secrets, single-use recovery codes, and the requirement switch

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-28 13:15:00

A user may turn on two-factor login (app/services/two_factor.py): `user` gains the
TOTP secret in use, a pending one while a (new) authenticator app is being enrolled,
the last accepted time step (a replayed code is refused) and when it was turned on.
`recovery_code` holds the hashes of each user's ten single-use recovery codes (never
the codes). `page_settings.require_two_factor` lets an admin require it of everybody;
off for the existing row, so nobody is locked out by the upgrade.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_recovery_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recovery_code_user_hash", ["user_id", "code_hash"], unique=True
        )

    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_two_factor", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "totp_enabled_at", app.models.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.drop_column("require_two_factor")

    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index("ix_recovery_code_user_hash")

    op.drop_table("recovery_code")
