"""What the feeds and the maintenance calendar list: plain queries over incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AffectedComponent, Component, Incident, IncidentKind, IncidentStatus

FEED_LENGTH = 50
CALENDAR_PAST_DAYS = 90
_UPDATES = selectinload(Incident.updates)
# Entries name the affected components: one query for all, not one per entry.
_AFFECTED = selectinload(Incident.affected)


def recent_events(component: Component | None = None, limit: int = FEED_LENGTH) -> list[Incident]:
    """Incidents and maintenance, most recently changed first; only those that
    concerned `component` when one is given."""
    query = select(Incident)
    if component is not None:
        query = query.where(
            Incident.id.in_(
                select(AffectedComponent.incident_id).where(
                    AffectedComponent.component_id == component.id
                )
            )
        )
    query = query.order_by(Incident.updated_at.desc(), Incident.id.desc()).limit(limit)
    return list(db.session.scalars(query.options(_UPDATES, _AFFECTED)))


def calendar_maintenance(now: datetime, past_days: int = CALENDAR_PAST_DAYS) -> list[Incident]:
    """Maintenance windows not yet over, and those that ended in the last `past_days`."""
    since = now - timedelta(days=past_days)
    query = (
        select(Incident)
        .where(
            Incident.kind == IncidentKind.MAINTENANCE,
            or_(
                Incident.status.not_in([IncidentStatus.COMPLETED]),
                Incident.scheduled_until >= since,
                Incident.resolved_at >= since,
            ),
        )
        .order_by(Incident.scheduled_for, Incident.id)
        .options(_UPDATES)
    )
    return list(db.session.scalars(query))
