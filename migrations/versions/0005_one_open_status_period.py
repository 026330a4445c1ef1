"""one open status period per component

Two managers changing a component's status at the same moment could each close "the"
open period and open their own, leaving the component with several current statuses
and its uptime counted twice. The services now lock the component first; this makes
the database itself refuse a second open period, with a partial unique index on
component_status_period(component_id) WHERE ended_at IS NULL (SQLite and PostgreSQL
both have partial indexes).

Rows left by the race are repaired first: of a component's open periods, all but the
latest are closed at the start of the next one, so its history stays unbroken.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 07:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

periods = sa.table(
    "component_status_period",
    sa.column("id", sa.Integer),
    sa.column("component_id", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)


def _close_all_but_the_latest_open_period():
    bind = op.get_bind()
    open_periods = bind.execute(
        sa.select(periods.c.id, periods.c.component_id, periods.c.started_at)
        .where(periods.c.ended_at.is_(None))
        .order_by(periods.c.component_id, periods.c.started_at, periods.c.id)
    ).all()
    for current, following in zip(open_periods, open_periods[1:]):
        if current.component_id == following.component_id:
            bind.execute(
                periods.update()
                .where(periods.c.id == current.id)
                .values(ended_at=following.started_at)
            )


def upgrade():
    _close_all_but_the_latest_open_period()
    with op.batch_alter_table("component_status_period", schema=None) as batch_op:
        batch_op.create_index(
            "uq_status_period_open",
            ["component_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("component_status_period", schema=None) as batch_op:
        batch_op.drop_index("uq_status_period_open")
