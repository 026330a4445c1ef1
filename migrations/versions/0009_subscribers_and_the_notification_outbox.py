"""Subscribers, what they follow, and the notification outbox with its delivery ledger.

Issue 8: email (double opt-in), webhook, Slack and Discord subscribers; per component,
group or incident choices; one Notification row per event written in the event's own
transaction; one Delivery row per (notification, subscriber), unique, so nothing is
ever sent twice.

Revision ID: 0009
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

import app.models.types

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subscriber',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('email', 'webhook', 'slack', 'discord', name='subscriberkind', native_enum=False, length=16), nullable=False),
    sa.Column('address', sa.String(length=2048), nullable=False),
    sa.Column('state', sa.Enum('pending', 'confirmed', 'unsubscribed', 'quarantined', name='subscriberstate', native_enum=False, length=16), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('all_components', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('consent_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consent_ip', sa.String(length=45), nullable=True),
    sa.Column('consent_user_agent', sa.String(length=512), nullable=True),
    sa.Column('consent_text_version', sa.String(length=32), nullable=True),
    sa.Column('confirm_ip', sa.String(length=45), nullable=True),
    sa.Column('confirm_user_agent', sa.String(length=512), nullable=True),
    sa.Column('token_nonce', sa.String(length=16), nullable=False),
    sa.Column('confirmations_sent', sa.Integer(), nullable=False),
    sa.Column('last_confirmation_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signing_secret', sa.String(length=64), nullable=True),
    sa.Column('bounce_count', sa.Integer(), nullable=False),
    sa.Column('last_bounce_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriber')),
    sa.UniqueConstraint('kind', 'address', name='uq_subscriber_kind_address')
    )
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.create_index('ix_subscriber_created', ['created_at'], unique=False)
        batch_op.create_index('ix_subscriber_state_id', ['state', 'id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subscriber.confirm', 'subscriber.known', 'incident.opened', 'incident.updated', 'incident.postmortem', 'maintenance.scheduled', 'maintenance.reminder', 'maintenance.started', 'maintenance.updated', 'maintenance.completed', 'component.updated', name='notificationkind', native_enum=False, length=32), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('component_id', sa.Integer(), nullable=True),
    sa.Column('component_ids', sa.JSON(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fanout_cursor', sa.Integer(), nullable=False),
    sa.Column('fanned_out_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_notification_component_id_component'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_notification_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], name=op.f('fk_notification_subscriber_id_subscriber'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['incident_update.id'], name=op.f('fk_notification_update_id_incident_update'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_incident', ['incident_id'], unique=False)
        batch_op.create_index('ix_notification_pending_fanout', ['id'], unique=False, sqlite_where=sa.text('fanned_out_at IS NULL'), postgresql_where=sa.text('fanned_out_at IS NULL'))
        batch_op.create_index('uq_notification_reminder', ['incident_id'], unique=True, sqlite_where=sa.text("kind = 'maintenance.reminder'"), postgresql_where=sa.text("kind = 'maintenance.reminder'"))

    op.create_table('subscription_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN component_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN incident_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_subscription_target_exactly_one_target')),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_subscription_target_component_id_component'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['component_group.id'], name=op.f('fk_subscription_target_group_id_component_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_subscription_target_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], name=op.f('fk_subscription_target_subscriber_id_subscriber'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_target'))
    )
    with op.batch_alter_table('subscription_target', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_target_component', ['component_id'], unique=False)
        batch_op.create_index('ix_subscription_target_group', ['group_id'], unique=False)
        batch_op.create_index('ix_subscription_target_incident', ['incident_id'], unique=False)
        batch_op.create_index('ix_subscription_target_subscriber', ['subscriber_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'dead', 'skipped', name='deliverystate', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_delivery_notification_id_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], name=op.f('fk_delivery_subscriber_id_subscriber'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('notification_id', 'subscriber_id', name='uq_delivery_once')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_delivery_subscriber', ['subscriber_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_subscriber')
        batch_op.drop_index('ix_delivery_due')

    op.drop_table('delivery')
    with op.batch_alter_table('subscription_target', schema=None) as batch_op:
        batch_op.drop_index('ix_subscription_target_subscriber')
        batch_op.drop_index('ix_subscription_target_incident')
        batch_op.drop_index('ix_subscription_target_group')
        batch_op.drop_index('ix_subscription_target_component')

    op.drop_table('subscription_target')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('uq_notification_reminder', sqlite_where=sa.text("kind = 'maintenance.reminder'"), postgresql_where=sa.text("kind = 'maintenance.reminder'"))
        batch_op.drop_index('ix_notification_pending_fanout', sqlite_where=sa.text('fanned_out_at IS NULL'), postgresql_where=sa.text('fanned_out_at IS NULL'))
        batch_op.drop_index('ix_notification_incident')

    op.drop_table('notification')
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_state_id')
        batch_op.drop_index('ix_subscriber_created')

    op.drop_table('subscriber')
