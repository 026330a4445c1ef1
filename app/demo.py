"""Demo data for a first look at the site (`flask seed-demo`)."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, utcnow
from app.services import (
    backfill,
    component_groups,
    components,
    incident_templates,
    incidents,
    maintenance,
)
from app.services.backfill import PastUpdate

GROUPS = {
    "Core": ["Website", "API", "Dashboard"],
    "Infrastructure": ["Database", "Object storage", "CDN"],
}
STANDALONE = ["Email delivery", "Webhooks"]


def seed_demo(*, if_empty: bool = True, echo=click.echo) -> bool:
    """Create demo components, a past incident, an active one and planned maintenance."""
    if if_empty and (db.session.scalar(select(func.count(Component.id))) or 0) > 0:
        return False
    now = utcnow()
    created: dict[str, Component] = {}
    names = [(g, n) for g, ns in GROUPS.items() for n in ns] + [(None, n) for n in STANDALONE]
    with click.progressbar(names, label="Seeding demo components", file=None) as bar:
        group_ids: dict[str, int] = {}
        for group, name in bar:
            if group and group not in group_ids:
                group_ids[group] = component_groups.create_group(name=group, actor="demo").id
            created[name] = components.create_component(
                name=name,
                group_id=group_ids.get(group),
                description=f"The {name.lower()} of the demo product.",
                actor="demo",
                now=now - timedelta(days=120),
            )
    echo("Seeding demo incidents and maintenance…")
    backfill.backfill_incident(
        name="Elevated API error rates",
        impact="major",
        components={created["API"].id: "partial_outage"},
        updates=[
            PastUpdate(
                "investigating",
                "We are investigating elevated error rates on the API.",
                now - timedelta(days=3, hours=2),
            ),
            PastUpdate(
                "identified",
                "A faulty deploy was identified and is being rolled back.",
                now - timedelta(days=3, hours=1, minutes=30),
            ),
            PastUpdate(
                "resolved", "Error rates are back to normal.", now - timedelta(days=3, hours=1)
            ),
        ],
        actor="demo",
        now=now,
    )
    incidents.open_incident(
        name="Slow dashboard loading",
        impact="minor",
        components={created["Dashboard"].id: "degraded_performance"},
        message="Some users see slow dashboard loads. We are investigating.",
        actor="demo",
        notify=False,
    )
    maintenance.schedule_maintenance(
        name="Database upgrade",
        message="We will upgrade the primary database. Brief read-only periods are expected.",
        scheduled_for=now + timedelta(days=2),
        scheduled_until=now + timedelta(days=2, hours=2),
        component_ids=[created["Database"].id],
        actor="demo",
        notify=False,
    )
    _templates(created)
    echo("Demo data ready.")
    return True


def _templates(created: dict[str, Component]) -> None:
    """Two templates, one per form, so the one-click filling is there to try."""
    incident_templates.create_template(
        name="API outage",
        title="API unavailable",
        body="Requests to the API are failing. We are investigating and will update within "
        "30 minutes.",
        impact="major",
        components={created["API"].id: "major_outage"},
        actor="demo",
    )
    incident_templates.create_template(
        name="Fix deployed",
        kind="update",
        body="A fix has been deployed and we are monitoring the results.",
        update_status="monitoring",
        actor="demo",
    )
