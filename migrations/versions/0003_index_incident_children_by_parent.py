"""Index incident children by their parent.

What: indexes on `affected_component (incident_id)`, `component_change (update_id)`
and `update_revision (update_id)`.
Why: pages, feeds and the API load these rows for a batch of incidents or updates at
a time (`WHERE incident_id IN (…)`); PostgreSQL indexes no foreign key by itself, so
without these each load scans the whole table, and deleting an incident scans them
again for its cascade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:17:33.149991
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.create_index("ix_affected_component_incident", ["incident_id"], unique=False)

    with op.batch_alter_table("component_change", schema=None) as batch_op:
        batch_op.create_index("ix_component_change_update", ["update_id"], unique=False)

    with op.batch_alter_table("update_revision", schema=None) as batch_op:
        batch_op.create_index("ix_update_revision_update", ["update_id"], unique=False)


def downgrade():
    with op.batch_alter_table("update_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_update_revision_update")

    with op.batch_alter_table("component_change", schema=None) as batch_op:
        batch_op.drop_index("ix_component_change_update")

    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.drop_index("ix_affected_component_incident")
