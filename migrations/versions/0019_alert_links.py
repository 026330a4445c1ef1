"""Alerts from Alertmanager and Grafana, by fingerprint, and the rules mapping them

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 11:15:00

/api/v1/integrations/alertmanager and /grafana record each alert they act on, keyed
by the sender's fingerprint (unique per source), so a repeated delivery changes
nothing and a resolved alert finds the incident its firing opened. alert_rule holds
the admin's rules: a label equal to a value maps an alert to a component and status.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("alertname", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("firing", sa.Boolean(), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_alert_link_component_id_component"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_alert_link_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_link")),
        sa.UniqueConstraint("source", "fingerprint", name="uq_alert_link_source_fingerprint"),
    )
    with op.batch_alter_table("alert_link", schema=None) as batch_op:
        batch_op.create_index("ix_alert_link_incident", ["incident_id"], unique=False)
    op.create_table(
        "alert_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_alert_rule_component_id_component"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rule")),
    )


def downgrade():
    op.drop_table("alert_rule")
    with op.batch_alter_table("alert_link", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_link_incident")
    op.drop_table("alert_link")
