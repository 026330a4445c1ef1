"""The suppression list: addresses removed by an admin, kept only as a hash

Revision ID: 0024
Revises: 0019
Create Date: 2026-11-28 13:30:00

An admin removing a subscriber (an erasure request, or a spam complaint) must stop
Herald from writing to that address again, even when somebody else signs it up or a
CSV list brings it back; yet erasure means the address itself is gone. One row per
address holds a SHA-256 of its kind and normalised address, the reason and the time
(app/models/suppression.py says why the hash is not keyed).
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "email", "webhook", "slack", "discord",
                name="subscriberkind", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "removed", "complained",
                name="suppressionreason", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
        sa.UniqueConstraint("address_hash", name="uq_suppression_address_hash"),
    )


def downgrade():
    op.drop_table("suppression")
