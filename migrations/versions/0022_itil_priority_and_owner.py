"""ITIL classification of incidents (internal impact, urgency, priority), an owner, the matrix

Revision ID: 0022
Revises: 0019
Create Date: 2026-11-28 13:15:00

Incident managers rank incidents as ITIL does: an internal impact and an urgency,
from which a configurable 4×4 matrix (priority_rule; a missing cell takes the
default) derives the priority P1–P5, stored on the incident so lists filter and
sort by it. All three are internal, never public. An optional owner (a user;
deleting the user clears it). Existing incidents stay unclassified (null).
ix_incident_metrics lets the metrics page aggregate a period's incidents from the
index alone; ix_affected_component_pair finds one component's among them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

IMPACTS = ("extensive", "significant", "moderate", "minor")
URGENCIES = ("critical", "high", "medium", "low")
PRIORITIES = ("p1", "p2", "p3", "p4", "p5")


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade():
    op.create_table(
        "priority_rule",
        sa.Column("internal_impact", _enum(IMPACTS, "internalimpact", 16), nullable=False),
        sa.Column("urgency", _enum(URGENCIES, "urgency", 16), nullable=False),
        sa.Column("priority", _enum(PRIORITIES, "priority", 4), nullable=False),
        sa.PrimaryKeyConstraint("internal_impact", "urgency", name=op.f("pk_priority_rule")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal_impact", _enum(IMPACTS, "internalimpact", 16), nullable=True)
        )
        batch_op.add_column(sa.Column("urgency", _enum(URGENCIES, "urgency", 16), nullable=True))
        batch_op.add_column(sa.Column("priority", _enum(PRIORITIES, "priority", 4), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_incident_owner_id_user"),
            "user",
            ["owner_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_incident_metrics",
            ["kind", "started_at", "resolved_at", "impact", "priority", "internal_impact"],
            unique=False,
        )
        batch_op.create_index("ix_incident_owner", ["owner_id"], unique=False)
    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.create_index(
            "ix_affected_component_pair", ["component_id", "incident_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.drop_index("ix_affected_component_pair")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_owner")
        batch_op.drop_index("ix_incident_metrics")
        batch_op.drop_constraint(batch_op.f("fk_incident_owner_id_user"), type_="foreignkey")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("priority")
        batch_op.drop_column("urgency")
        batch_op.drop_column("internal_impact")
    op.drop_table("priority_rule")
