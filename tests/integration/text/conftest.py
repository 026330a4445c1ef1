"""A site with something in every text column: groups, components, incidents with
updates, a revision and a postmortem, a past incident, and maintenance upcoming,
in progress and completed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import utcnow
from app.services import backfill, components, incidents, maintenance


@pytest.fixture
def site(app):
    now = utcnow()
    core = components.create_group(name="Core", description="The core.", actor="test")
    edge = components.create_group(name="Edge", description="The edge.", actor="test")
    api = components.create_component(
        name="API", description="REST.", group_id=core.id, actor="test"
    )
    web = components.create_component(name="Web", group_id=edge.id, actor="test")
    components.create_component(name="Jobs", actor="test")
    done = incidents.open_incident(
        name="Database down",
        impact="major",
        message="Looking.",
        components={api.id: "major_outage"},
        actor="test",
    )
    incidents.edit_update(done.updates[0], body="Looking into it.", actor="test")
    incidents.post_update(
        done, status="resolved", message="Fixed.", restore_components=True, actor="test"
    )
    incidents.save_postmortem(done, body="Root cause: DNS.", publish=True, actor="test")
    incidents.open_incident(
        name="Slow pages",
        impact="minor",
        message="Slow.",
        components={web.id: "degraded_performance"},
        actor="test",
    )
    backfill.backfill_incident(
        name="Night outage",
        impact="minor",
        updates=[
            backfill.PastUpdate("investigating", "Seen.", now - timedelta(days=2, hours=1)),
            backfill.PastUpdate("resolved", "Gone.", now - timedelta(days=2)),
        ],
        components={api.id: "partial_outage"},
        actor="test",
    )
    for starts in (now - timedelta(hours=1), now + timedelta(days=1), now - timedelta(days=3)):
        maintenance.schedule_maintenance(
            name="Upgrade",
            message="Read-only.",
            scheduled_for=starts,
            scheduled_until=starts + timedelta(hours=2),
            component_ids=[api.id],
            actor="test",
        )
    maintenance.tick(now)  # one in progress, one completed, one upcoming
    db.session.expire_all()
    return app
