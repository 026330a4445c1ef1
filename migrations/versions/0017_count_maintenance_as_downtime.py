"""page setting: count scheduled maintenance as downtime in the uptime figures

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 10:40:00

Off by default, as Statuspage counts it and as Herald always has: the existing
row gets false from the server default.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "count_maintenance_as_downtime",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.drop_column("count_maintenance_as_downtime")
