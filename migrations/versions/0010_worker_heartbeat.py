"""worker heartbeat table for /readyz

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:00:00

/readyz reports whether a background worker is running: each worker (a `flask
worker` process, or the thread inside `flask serve`) rewrites its row here on
every loop, and a row older than the threshold means that worker has stopped.
A table rather than a Redis key: every deployment has the database, the check
then means the same with and without Redis, and a Redis outage is not
mistaken for a dead worker. One small write per worker every few seconds.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worker_heartbeat",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("started_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "host", "pid", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker_heartbeat_beat_at"), ["beat_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeat_beat_at"))
    op.drop_table("worker_heartbeat")
