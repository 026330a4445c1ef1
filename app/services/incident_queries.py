"""Incidents and maintenance found by what a script filters on (the API's lists)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AffectedComponent,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    utcnow,
)

MAX_LIMIT = 100
_EAGER = (
    selectinload(Incident.updates).selectinload(IncidentUpdate.changes),
    selectinload(Incident.affected),
    selectinload(Incident.owner),
)
_OPEN = [
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
]


def search(
    *,
    kind: IncidentKind | None = None,
    statuses: list[IncidentStatus] | None = None,
    impact: Impact | None = None,
    query: str | None = None,
    upcoming: bool = False,
    limit: int = 50,
    page: int = 1,
) -> list[Incident]:
    """Newest first (by start), at most `limit` per `page`."""
    where = []
    if kind is not None:
        where.append(Incident.kind == kind)
    if statuses:
        where.append(Incident.status.in_(statuses))
    if impact is not None:
        where.append(Incident.impact == impact)
    if query:
        where.append(func.lower(Incident.name).contains(query.lower(), autoescape=True))
    if upcoming:
        where.append(Incident.scheduled_for > utcnow())
    return list(
        db.session.scalars(
            select(Incident)
            .where(*where)
            .order_by(Incident.started_at.desc(), Incident.id.desc())
            .limit(limit)
            .offset((page - 1) * limit)
            .options(*_EAGER)
        )
    )


def unresolved_statuses() -> list[IncidentStatus]:
    return list(_OPEN)


def held_down_elsewhere(incident_id: int, component_ids) -> set[int]:
    """Which of `component_ids` another incident still working on its fault affects
    (investigating or identified): resolving one incident must not show such a component
    operational while the other holds it down. One in monitoring holds nothing: its fix
    is in, so two incidents never keep each other's component down."""
    ids = [cid for cid in component_ids if cid is not None]
    if not ids:
        return set()
    query = (
        select(AffectedComponent.component_id)
        .join(Incident, Incident.id == AffectedComponent.incident_id)
        .where(
            AffectedComponent.component_id.in_(ids),
            AffectedComponent.incident_id != incident_id,
            Incident.kind == IncidentKind.INCIDENT,
            Incident.status.in_((IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED)),
        )
    )
    return set(db.session.scalars(query))
