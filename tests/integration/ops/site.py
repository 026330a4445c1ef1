"""A small but complete page, written through the services, and a way to read it back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Component, ComponentGroup, Incident, utcnow
from app.services import component_groups, components, incidents, maintenance, page, postmortems


def build_page(incident_count: int = 4) -> None:
    """Settings, groups, components, incidents with updates and changes, maintenance."""
    page.update_settings(
        name="Acme Status",
        logo_url=None,
        accent_color="#0a7d38",
        support_url="https://acme.test/help",
        time_zone="Europe/Paris",
        actor="test",
    )
    core = component_groups.create_group(
        name="Core", description="What everyone uses", actor="test"
    )
    api = components.create_component(name="API", group_id=core.id, actor="test")
    web = components.create_component(name="Website", group_id=core.id, actor="test")
    components.create_component(name="Billing", description="Invoices", actor="test")
    for n in range(incident_count):
        opened = incidents.open_incident(
            name=f"Incident {n}: slow responses",
            impact="minor",
            message=f"We are looking into slow responses ({n}).",
            components={api.id: "degraded_performance"},
            actor="test",
        )
        incidents.post_update(
            opened, status="identified", message="A database index was missing.", actor="test"
        )
        if n % 2 == 0:
            incidents.post_update(
                opened,
                status="resolved",
                message="Fixed.",
                restore_components=True,
                actor="test",
            )
            postmortems.save_postmortem(
                opened,
                body=f"## What happened\n\nIndex {n} went missing.",
                publish=True,
                actor="test",
            )
    start = utcnow() + timedelta(days=2)
    maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Expect a short read-only period.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        component_ids=[web.id],
        actor="test",
    )


def read_page() -> dict:
    """Everything a visitor could see, in a comparable shape (ids included), read from one
    snapshot: on PostgreSQL each statement of a READ COMMITTED transaction would see other
    writers' newer commits, and catch an incident between two of its commits."""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    settings = page.get_settings()
    incidents_seen = {}
    for incident in db.session.scalars(select(Incident).order_by(Incident.id)):
        incidents_seen[incident.id] = (
            incident.kind,
            incident.name,
            incident.status,
            incident.impact,
            incident.postmortem_body,
            tuple(
                (
                    u.status,
                    u.body,
                    u.display_at.isoformat(),
                    tuple((c.component_code, c.new_status) for c in u.changes),
                )
                for u in incident.updates
            ),
            tuple(a.component_code for a in incident.affected),
        )
    return {
        "settings": (
            settings.name,
            settings.url,
            settings.accent_color,
            settings.support_url,
            settings.time_zone,
            settings.code,
        ),
        "groups": [
            (g.code, g.name, g.description)
            for g in db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.code))
        ],
        "components": [
            (c.code, c.name, c.status, c.group.code if c.group else None)
            for c in db.session.scalars(select(Component).order_by(Component.code))
        ],
        "incidents": incidents_seen,
    }


def head_revision() -> str:
    """The newest migration's revision id, whatever the chain holds today."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config()).get_current_head()
