"""mirror change log: what each change touched, for the incremental static mirror;
history pages by index

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 10:30:00

With HERALD_PUBLISH_DIR set, the worker re-publishes only the files a change
touched. Each transaction that bumps the page version writes here, in the same
transaction, what it touched (the page, an incident, a component) and the page
generation before and after it, so a publisher in any process, after any
restart, can tell exactly what changed since its mirror's generation, or that it
cannot tell (and then publishes everything).
"""

from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mirror_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("before", sa.String(length=40), nullable=False),
        sa.Column("after", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mirror_change")),
    )
    with op.batch_alter_table("mirror_change", schema=None) as batch_op:
        batch_op.create_index("ix_mirror_change_version", ["version"], unique=False)
    # History pages in order: a resolution at 100,000 incidents re-renders thousands of
    # them in the mirror, each a sort of every row without it.
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_history", ["started_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_history")
    with op.batch_alter_table("mirror_change", schema=None) as batch_op:
        batch_op.drop_index("ix_mirror_change_version")
    op.drop_table("mirror_change")
