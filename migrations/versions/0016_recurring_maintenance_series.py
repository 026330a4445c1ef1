"""recurring maintenance series

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 11:13:35

A weekly or monthly maintenance window (`maintenance_series`) whose occurrences are
normal maintenance rows, created a little ahead by the tick. `maintenance_occurrence`
links each to the start it was planned for; its unique (series_id, starts_at) makes
two ticks planning at once create it once. New tables only: on SQLite, adding a
constraint to `incident` would rebuild it, and dropping the old table would cascade
into its updates.
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
    op.create_table('maintenance_occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_maintenance_occurrence_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['maintenance_series.id'], name=op.f('fk_maintenance_occurrence_series_id_maintenance_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_occurrence')),
    sa.UniqueConstraint('series_id', 'starts_at', name=op.f('uq_maintenance_occurrence_series_id'))
    )
    with op.batch_alter_table('maintenance_occurrence', schema=None) as batch_op:
        batch_op.create_index('ix_maintenance_occurrence_incident', ['incident_id'], unique=False)



def downgrade():
    with op.batch_alter_table('maintenance_occurrence', schema=None) as batch_op:
        batch_op.drop_index('ix_maintenance_occurrence_incident')

    op.drop_table('maintenance_occurrence')
    op.drop_table('maintenance_series')
