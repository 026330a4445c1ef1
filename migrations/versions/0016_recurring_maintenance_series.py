"""recurring maintenance series

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 10:23:01

A weekly or monthly maintenance window (`maintenance_series`) whose occurrences are
normal maintenance rows, created a little ahead by the tick. `incident.series_id` and
`incident.occurrence_start` name the slot an occurrence was planned for; the unique
constraint on the pair makes two ticks planning at once create it once.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('maintenance_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'monthly', name='cadence', native_enum=False, length=16), nullable=False),
    sa.Column('first_start', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('component_ids', sa.JSON(), nullable=False),
    sa.Column('planned_through', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_series'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('occurrence_start', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_incident_series_id'), ['series_id', 'occurrence_start'])
        batch_op.create_foreign_key(batch_op.f('fk_incident_series_id_maintenance_series'), 'maintenance_series', ['series_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_series_id_maintenance_series'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_incident_series_id'), type_='unique')
        batch_op.drop_column('occurrence_start')
        batch_op.drop_column('series_id')

    op.drop_table('maintenance_series')
