"""Upstream status pages: components following another Statuspage-compatible page

Revision ID: 0023
Revises: 0019
Create Date: 2026-11-28 13:12:37

A component may follow one component of another page's /api/v2/summary.json
(upstream_follow); each page is fetched once for all its followers (upstream_source,
with its ETag, next allowed fetch and last error). Upstream incidents wait in
upstream_report for a manager to open as an incident or dismiss: Herald has no
unpublished incidents. component.operated_by names the vendor on the public page.

page_settings.alert_quiet_minutes: an incident alerts moved to monitoring resolves
itself after that many minutes with no alert firing again (NULL: never).

subscriber.team marks the team's own chat and webhook channels, which receive the
admins' notices (alert incidents, upstream reports, dead letters, auto-resolutions)
through the same outbox and signed delivery as subscribers, and nothing else.
"""

from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "upstream_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("page_name", sa.String(length=200), nullable=True),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("listing", sa.JSON(), nullable=True),
        sa.Column("next_poll_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_source")),
        sa.UniqueConstraint("url", name=op.f("uq_upstream_source_url")),
    )
    op.create_table(
        "upstream_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("upstream_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("upstream_status", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("updates", sa.JSON(), nullable=False),
        sa.Column("component_ids", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("new", "opened", "dismissed", name="reportstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("news", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_upstream_report_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["upstream_source.id"],
            name=op.f("fk_upstream_report_source_id_upstream_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_report")),
        sa.UniqueConstraint("source_id", "upstream_id", name="uq_upstream_report_source_upstream"),
    )
    op.create_table(
        "upstream_follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("upstream_component", sa.String(length=64), nullable=False),
        sa.Column("upstream_name", sa.String(length=200), nullable=False),
        sa.Column(
            "upstream_status",
            sa.Enum(
                "operational",
                "degraded_performance",
                "partial_outage",
                "major_outage",
                "under_maintenance",
                name="componentstatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_upstream_follow_component_id_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["upstream_source.id"],
            name=op.f("fk_upstream_follow_source_id_upstream_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_follow")),
        sa.UniqueConstraint("component_id", name=op.f("uq_upstream_follow_component_id")),
    )
    with op.batch_alter_table("upstream_follow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upstream_follow_source_id"), ["source_id"], unique=False
        )

    with op.batch_alter_table("component", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operated_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_quiet_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("team", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("team")
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.drop_column("alert_quiet_minutes")
    with op.batch_alter_table("component", schema=None) as batch_op:
        batch_op.drop_column("operated_by")

    with op.batch_alter_table("upstream_follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upstream_follow_source_id"))

    op.drop_table("upstream_follow")
    op.drop_table("upstream_report")
    op.drop_table("upstream_source")
