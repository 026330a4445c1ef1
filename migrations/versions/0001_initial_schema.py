"""Initial schema: components, incidents and maintenance, accounts, audit log, settings.

What: the tables behind the public page and the admin side.
- `component_group`, `component`: what the page lists, in order, each with its status.
- `incident`: incidents and scheduled maintenance alike (`kind`), with their lifecycle
  times and an optional postmortem; `incident_update` is the timeline, with
  `update_revision` keeping every earlier text of an edited update.
- `affected_component` and `component_change`: what an incident touches and the
  statuses each update set; both copy the component's code and name, so history
  still reads right after a component is renamed or deleted (`SET NULL`).
- `component_status_period`: one row per stretch of time in one status, from which
  uptime is computed.
- `user` (argon2id hashes, a session token that logout rotates), `audit_event`.
- `page_settings`: one row; its `version` is the public ETag and render-cache key.

Why the seeded row: every change bumps the page version with one UPDATE of this row,
so it exists from the start instead of concurrent first writers racing to create it.
Its `code` is the page id of the Statuspage-compatible API, random so that two Herald
pages never share one.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:32:43.800026
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "component_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_group")),
        sa.UniqueConstraint("code", name=op.f("uq_component_group_code")),
        sa.UniqueConstraint("name", name=op.f("uq_component_group_name")),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("monitoring_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("scheduled_for", UTCDateTime(timezone=True), nullable=True),
        sa.Column("scheduled_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("postmortem_body", sa.Text(), nullable=True),
        sa.Column("postmortem_updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("postmortem_published_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_kind_started", ["kind", "started_at"], unique=False)
        batch_op.create_index("ix_incident_status", ["status"], unique=False)

    op.create_table(
        "page_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("logo_url", sa.String(length=500), nullable=True),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("support_url", sa.String(length=500), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_settings")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_audit_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("showcase", sa.Boolean(), nullable=False),
        sa.Column("only_show_if_degraded", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["component_group.id"],
            name=op.f("fk_component_group_id_component_group"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component")),
        sa.UniqueConstraint("code", name=op.f("uq_component_code")),
        sa.UniqueConstraint("name", name=op.f("uq_component_name")),
    )
    op.create_table(
        "incident_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("display_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("deliver_notifications", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_incident_update_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_update_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_update")),
    )
    with op.batch_alter_table("incident_update", schema=None) as batch_op:
        batch_op.create_index(
            "ix_update_incident_display", ["incident_id", "display_at"], unique=False
        )

    op.create_table(
        "affected_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("component_code", sa.String(length=12), nullable=False),
        sa.Column("component_name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_affected_component_component_id_component"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_affected_component_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_component")),
    )
    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.create_index("ix_affected_component", ["component_id"], unique=False)

    op.create_table(
        "component_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("component_code", sa.String(length=12), nullable=False),
        sa.Column("component_name", sa.String(length=100), nullable=False),
        sa.Column("old_status", sa.String(length=32), nullable=False),
        sa.Column("new_status", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_component_change_component_id_component"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["incident_update.id"],
            name=op.f("fk_component_change_update_id_incident_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_change")),
    )
    op.create_table(
        "component_status_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_component_status_period_component_id_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_component_status_period_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_status_period")),
    )
    with op.batch_alter_table("component_status_period", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_period_component_start", ["component_id", "started_at"], unique=False
        )

    op.create_table(
        "update_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("replaced_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["user.id"],
            name=op.f("fk_update_revision_editor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["incident_update.id"],
            name=op.f("fk_update_revision_update_id_incident_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_revision")),
    )

    # The single settings row; its version is the public ETag and cache key.
    page_settings = sa.table(
        "page_settings",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("accent_color", sa.String),
        sa.column("time_zone", sa.String),
        sa.column("version", sa.Integer),
        sa.column("updated_at", UTCDateTime()),
    )
    op.bulk_insert(
        page_settings,
        [
            {
                "id": 1,
                "code": secrets.token_hex(6),
                "name": "Herald Status",
                "accent_color": "#1f6feb",
                "time_zone": "Etc/UTC",
                "version": 1,
                "updated_at": datetime.now(UTC),
            }
        ],
    )


def downgrade():
    op.drop_table("update_revision")
    with op.batch_alter_table("component_status_period", schema=None) as batch_op:
        batch_op.drop_index("ix_status_period_component_start")

    op.drop_table("component_status_period")
    op.drop_table("component_change")
    with op.batch_alter_table("affected_component", schema=None) as batch_op:
        batch_op.drop_index("ix_affected_component")

    op.drop_table("affected_component")
    with op.batch_alter_table("incident_update", schema=None) as batch_op:
        batch_op.drop_index("ix_update_incident_display")

    op.drop_table("incident_update")
    op.drop_table("component")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    op.drop_table("user")
    op.drop_table("page_settings")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status")
        batch_op.drop_index("ix_incident_kind_started")

    op.drop_table("incident")
    op.drop_table("component_group")
