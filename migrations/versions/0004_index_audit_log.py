"""Index the audit log by action and by actor.

What: `ix_audit_action_at` on `audit_event (action, at)` and `ix_audit_actor_at` on
`audit_event (actor_label, at)`.
Why: the admin's audit log filters by action (prefix) or by actor and shows the
newest first; these let it read one page of matches instead of the whole log, which
only ever grows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:09:29.447130
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_action_at", ["action", "at"], unique=False)
        batch_op.create_index("ix_audit_actor_at", ["actor_label", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_actor_at")
        batch_op.drop_index("ix_audit_action_at")
