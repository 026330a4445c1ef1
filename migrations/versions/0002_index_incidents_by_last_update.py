"""Index incidents by last update.

What: `ix_incident_updated` on `incident (updated_at, id)`.
Why: the feeds show the fifty most recently updated incidents; with this index that is
a walk along fifty index entries instead of a sort of the whole table. `id` breaks ties,
as the feeds' ORDER BY does, so the order is stable.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:01:06.911253
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_updated", ["updated_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_updated")
