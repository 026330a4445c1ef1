"""Incidents and maintenance found by what a script filters on (the API's lists)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Impact, Incident, IncidentKind, IncidentStatus, IncidentUpdate, utcnow

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
