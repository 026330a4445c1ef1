"""Incident templates: named text, impact, status and component statuses

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 13:15:00

Managers keep the words they use again and again (a title, a first message, the
components an outage of one kind usually touches) as templates that fill the
new-incident and post-update forms, and the API's `template_id`. A template's
components are rows of their own, deleted with the component, so deleting a
component leaves the template working, without it.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=True),
        sa.Column("update_status", sa.String(length=32), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_template")),
        sa.UniqueConstraint("name", name=op.f("uq_incident_template_name")),
    )
    op.create_table(
        "incident_template_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_incident_template_component_component_id_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["incident_template.id"],
            name=op.f("fk_incident_template_component_template_id_incident_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_template_component")),
        sa.UniqueConstraint("template_id", "component_id", name="uq_template_component"),
    )
    with op.batch_alter_table("incident_template_component", schema=None) as batch_op:
        batch_op.create_index("ix_template_component_component", ["component_id"], unique=False)


def downgrade():
    with op.batch_alter_table("incident_template_component", schema=None) as batch_op:
        batch_op.drop_index("ix_template_component_component")
    op.drop_table("incident_template_component")
    op.drop_table("incident_template")
