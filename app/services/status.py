"""What the public side shows: the page indicator, active and past events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Priority,
)
from app.models.enums import INCIDENT_STATUSES

DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}
_COMPONENT_INDICATOR = {
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}
OPEN_STATUSES = [s for s in INCIDENT_STATUSES if s != IncidentStatus.RESOLVED]
# One query per relationship, however many incidents: no N+1.
_EAGER = (
    selectinload(Incident.updates).selectinload(IncidentUpdate.changes),
    selectinload(Incident.affected),
)


@dataclass(frozen=True)
class PageStatus:
    indicator: Impact
    description: str


def page_status(
    component_statuses: list[ComponentStatus],
    incident_impacts: list[Impact],
    maintenance_active: bool,
) -> PageStatus:
    """Statuspage's rule: the worst of the component statuses and open incidents' impacts;
    maintenance only when nothing is wrong."""
    worst = Impact.NONE
    for status in component_statuses:
        worst = max(worst, _COMPONENT_INDICATOR.get(status, Impact.NONE), key=_rank)
    for impact in incident_impacts:
        worst = max(worst, impact, key=_rank)
    if worst == Impact.NONE and (
        maintenance_active or ComponentStatus.UNDER_MAINTENANCE in component_statuses
    ):
        worst = Impact.MAINTENANCE
    return PageStatus(worst, DESCRIPTIONS[worst])


def _rank(impact: Impact) -> int:
    # By lookup, not impact.rank: a plain value ranks as its member does.
    return _RANKS[impact]


_RANKS = {impact: impact.rank for impact in Impact}


def active_incidents() -> list[Incident]:
    return list(
        db.session.scalars(
            select(Incident)
            # IN over the open statuses uses ix_incident_status; != would scan all history.
            # Only incidents have these statuses, so no test on kind: with one, SQLite (no
            # ANALYZE statistics) walks ix_incident_kind_started over every past incident.
            .where(Incident.status.in_(OPEN_STATUSES))
            .order_by(Incident.started_at.desc(), Incident.id.desc())
            .options(*_EAGER)
        )
    )


def maintenances(statuses: list[IncidentStatus]) -> list[Incident]:
    return list(
        db.session.scalars(
            select(Incident)
            .where(Incident.kind == IncidentKind.MAINTENANCE, Incident.status.in_(statuses))
            .order_by(Incident.scheduled_for, Incident.id)
            .options(*_EAGER)
        )
    )


def active_maintenance() -> list[Incident]:
    return maintenances([IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING])


def upcoming_maintenance() -> list[Incident]:
    return maintenances([IncidentStatus.SCHEDULED])


def current_page_status(components: list[Component] | None = None) -> PageStatus:
    components = (
        components if components is not None else list(db.session.scalars(select(Component)))
    )
    impacts = [i.impact for i in active_incidents()]
    return page_status([c.status for c in components], impacts, bool(active_maintenance()))


def _closed():
    return Incident.status.in_([IncidentStatus.RESOLVED, IncidentStatus.COMPLETED])


def _in_history_order():
    """Closed items, worded so the database walks ix_incident_history in order: a list of
    the open statuses to skip, not of the closed ones to keep (SQLite would pick the
    status index and sort 100,000 rows for every history page)."""
    open_statuses = [status for status in IncidentStatus if not status.is_closed]
    return Incident.status.not_in(open_statuses)


@dataclass(frozen=True)
class HistoryPage:
    items: list[Incident]
    page: int
    pages: int
    total: int


def history(page: int, per_page: int = 20) -> HistoryPage:
    """Closed incidents and maintenance, newest first. `page` must be ≥ 1 (checked by views)."""
    total = db.session.scalar(select(func.count(Incident.id)).where(_closed())) or 0
    pages = page_count(total, per_page)
    items = list(
        db.session.scalars(
            select(Incident)
            .where(_in_history_order())
            .order_by(Incident.started_at.desc(), Incident.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
            .options(*_EAGER)
        )
    )
    return HistoryPage(items=items, page=page, pages=pages, total=total)


def page_count(total: int, per_page: int) -> int:
    """How many history pages `total` closed items fill (one, even when empty)."""
    return max(1, -(-total // per_page))


def history_ids() -> list[int]:
    """The ids of every closed incident and maintenance, in history order: page N
    lists the Nth `per_page` of them (the static mirror compares pages by these)."""
    return list(
        db.session.scalars(
            select(Incident.id)
            .where(_in_history_order())
            .order_by(Incident.started_at.desc(), Incident.id.desc())
        )
    )


# More than any real day holds; a day page is one page, never paginated.
DAY_LIMIT = 200


def on_day(start: datetime, end: datetime) -> list[Incident]:
    """Incidents and maintenance that were open at some time in [start, end), oldest first:
    what one day of the uptime bars links to. Maintenance still to come is left out."""
    return list(
        db.session.scalars(
            select(Incident)
            .where(
                Incident.status != IncidentStatus.SCHEDULED,
                Incident.started_at < end,
                (Incident.resolved_at.is_(None)) | (Incident.resolved_at >= start),
            )
            .order_by(Incident.started_at, Incident.id)
            .limit(DAY_LIMIT)
            .options(*_EAGER)
        )
    )


def incidents_since(since: datetime) -> list[Incident]:
    """Incidents (any state) that started after `since`, newest first, for the last-days list."""
    return list(
        db.session.scalars(
            select(Incident)
            .where(Incident.kind == IncidentKind.INCIDENT, Incident.started_at >= since)
            .order_by(Incident.started_at.desc(), Incident.id.desc())
            .options(*_EAGER)
        )
    )


def recent_days(now: datetime, days: int, tz) -> list[tuple[datetime, list[Incident]]]:
    """The last `days` local days, newest first, each with the incidents that started on it."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    by_day: dict = {today - timedelta(days=n): [] for n in range(days)}
    for incident in incidents_since(since):
        day = incident.started_at.astimezone(tz).date()
        if day in by_day:
            by_day[day].append(incident)
    return list(by_day.items())


def incident_list(
    page: int, per_page: int = 20, *, priority: str | None = None, by_priority: bool = False
) -> HistoryPage:
    """Every incident for the managers' list: unresolved first, then newest first; or the
    most pressing priority first (unclassified last). `priority` keeps one priority's
    ("p1"…"p5"), or the unclassified ("none").

    `page` beyond the end gives an empty `items`; callers check `pages`.
    """
    incidents = select(Incident).where(Incident.kind == IncidentKind.INCIDENT)
    if priority == "none":
        incidents = incidents.where(Incident.priority.is_(None))
    elif priority:
        incidents = incidents.where(Incident.priority == Priority(priority))
    total = db.session.scalar(select(func.count()).select_from(incidents.subquery())) or 0
    resolved_last = case((Incident.status == IncidentStatus.RESOLVED, 1), else_=0)
    order = [resolved_last, Incident.started_at.desc(), Incident.id.desc()]
    if by_priority:
        # Both databases alike: PostgreSQL would put nulls last, SQLite first.
        order = [case((Incident.priority.is_(None), 1), else_=0), Incident.priority, *order]
    items = db.session.scalars(
        incidents.order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            selectinload(Incident.affected),
            selectinload(Incident.updates),
            selectinload(Incident.owner),
        )
    ).all()
    return HistoryPage(
        items=list(items), page=page, pages=max(1, -(-total // per_page)), total=total
    )


def completed_maintenance(page: int, per_page: int = 20) -> HistoryPage:
    """Completed maintenance windows for the managers' list, most recent end first.

    `page` must be ≥ 1 (checked by views); beyond the end gives an empty `items`,
    so callers check `pages`.
    """
    windows = select(Incident).where(
        Incident.kind == IncidentKind.MAINTENANCE, Incident.status == IncidentStatus.COMPLETED
    )
    total = db.session.scalar(select(func.count()).select_from(windows.subquery())) or 0
    items = db.session.scalars(
        windows.order_by(Incident.scheduled_until.desc(), Incident.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Incident.affected))
    ).all()
    return HistoryPage(
        items=list(items), page=page, pages=max(1, -(-total // per_page)), total=total
    )


def latest(kind: IncidentKind, limit: int) -> list[Incident]:
    """The `limit` most recently started incidents (or maintenance), newest first."""
    return list(
        db.session.scalars(
            select(Incident)
            .where(Incident.kind == kind)
            .order_by(Incident.started_at.desc(), Incident.id.desc())
            .limit(limit)
            .options(*_EAGER)
        )
    )
