"""Scheduled maintenance: schedule, advance by hand, and the clock-driven `tick`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    utcnow,
)
from app.models.enums import MAINTENANCE_STATUSES
from app.services import audit, validate
from app.services.components import get_component
from app.services.errors import Invalid
from app.services.incidents import MAX_MESSAGE, MAX_TITLE, _affect, add_update
from app.services.page import bump_version
from app.services.tx import transactional

STARTED_MESSAGE = (
    "Scheduled maintenance is currently in progress. We will provide updates as necessary."
)
COMPLETED_MESSAGE = "The scheduled maintenance has been completed."
_ORDER = {status: index for index, status in enumerate(MAINTENANCE_STATUSES)}


def _window(starts: datetime, ends: datetime) -> tuple[datetime, datetime]:
    starts = validate.aware(starts, "start")
    ends = validate.aware(ends, "end")
    if ends <= starts:
        raise Invalid("The maintenance must end after it starts.", "scheduled_until")
    return starts, ends


@transactional
def schedule_maintenance(
    *,
    name: str,
    message: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    component_ids: Iterable[int] = (),
    actor=None,
    now: datetime | None = None,
) -> Incident:
    """Plan a maintenance window; `tick` starts and completes it on time."""
    now = now or utcnow()
    name = validate.text(name, "title", max_len=MAX_TITLE)
    message = validate.text(message, "message", max_len=MAX_MESSAGE)
    starts, ends = _window(scheduled_for, scheduled_until)
    components = [get_component(int(cid)) for cid in component_ids]
    maintenance = Incident(
        kind=IncidentKind.MAINTENANCE,
        name=name,
        status=IncidentStatus.SCHEDULED,
        impact=Impact.MAINTENANCE,
        created_at=now,
        updated_at=now,
        started_at=starts,
        scheduled_for=starts,
        scheduled_until=ends,
    )
    db.session.add(maintenance)
    db.session.flush()
    _affect(maintenance, components)
    add_update(maintenance, IncidentStatus.SCHEDULED, message, {}, actor=actor, at=now)
    bump_version()
    audit.record(actor, "maintenance.schedule", "incident", maintenance.id, name=name)
    return maintenance


@transactional
def reschedule(
    maintenance: Incident, *, scheduled_for: datetime, scheduled_until: datetime, actor=None
) -> Incident:
    """Move a maintenance window that has not started yet."""
    if maintenance.status != IncidentStatus.SCHEDULED:
        raise Invalid("Only maintenance that has not started can be rescheduled.")
    starts, ends = _window(scheduled_for, scheduled_until)
    maintenance.scheduled_for = maintenance.started_at = starts
    maintenance.scheduled_until = ends
    maintenance.updated_at = utcnow()
    bump_version()
    audit.record(actor, "maintenance.reschedule", "incident", maintenance.id)
    return maintenance


def _components_of(maintenance: Incident) -> list[Component]:
    return [a.component for a in maintenance.affected if a.component is not None]


def _advance(maintenance: Incident, status: IncidentStatus, message: str, actor, at: datetime):
    """Move a maintenance to `status`, flipping its components as the window opens or closes."""
    changes: dict[Component, ComponentStatus] = {}
    if status == IncidentStatus.IN_PROGRESS:
        # A component already down in an incident stays down: maintenance must
        # not hide an outage (nor later "restore" it to operational).
        changes = {
            c: ComponentStatus.UNDER_MAINTENANCE
            for c in _components_of(maintenance)
            if c.status == ComponentStatus.OPERATIONAL
        }
    elif status == IncidentStatus.COMPLETED:
        # Only undo what maintenance did: a component an incident has since
        # marked as down keeps that status.
        changes = {
            c: ComponentStatus.OPERATIONAL
            for c in _components_of(maintenance)
            if c.status == ComponentStatus.UNDER_MAINTENANCE
        }
    changes = {c: s for c, s in changes.items() if c.status != s}
    return add_update(maintenance, status, message, changes, actor=actor, at=at)


@transactional
def post_maintenance_update(
    maintenance: Incident,
    *,
    status: str,
    message: str,
    actor=None,
    now: datetime | None = None,
):
    """Advance a maintenance by hand (start early, verify, complete), forward only."""
    if not maintenance.is_maintenance:
        raise Invalid("This is an incident, not a maintenance.")
    status = validate.choice(MAINTENANCE_STATUSES, status, "status")
    message = validate.text(message, "message", max_len=MAX_MESSAGE)
    current = maintenance.status
    if _ORDER[status] < _ORDER[current]:
        raise Invalid(f"Maintenance cannot go back from “{current.label}” to “{status.label}”.")
    update = _advance(maintenance, status, message, actor, now or utcnow())
    bump_version()
    audit.record(actor, "maintenance.update", "incident", maintenance.id, status=status)
    return update


@dataclass
class TickResult:
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.started or self.completed)


def _due(statuses, column, now):
    query = (
        select(Incident)
        .where(
            Incident.kind == IncidentKind.MAINTENANCE,
            Incident.status.in_(statuses),
            column <= now,
        )
        .order_by(column, Incident.id)
    )
    # Several workers may tick at once on PostgreSQL: each row is taken by one.
    return db.session.scalars(query.with_for_update(skip_locked=True)).all()


@transactional
def tick(now: datetime | None = None) -> TickResult:
    """Start maintenance whose start has come and complete maintenance whose end has come.

    Idempotent: a second run at the same time finds nothing due.
    """
    now = now or utcnow()
    result = TickResult()
    for maintenance in _due([IncidentStatus.SCHEDULED], Incident.scheduled_for, now):
        _advance(maintenance, IncidentStatus.IN_PROGRESS, STARTED_MESSAGE, "scheduler", now)
        result.started.append(maintenance.id)
        audit.record("scheduler", "maintenance.start", "incident", maintenance.id)
    db.session.flush()
    ending = [IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING]
    for maintenance in _due(ending, Incident.scheduled_until, now):
        _advance(maintenance, IncidentStatus.COMPLETED, COMPLETED_MESSAGE, "scheduler", now)
        result.completed.append(maintenance.id)
        audit.record("scheduler", "maintenance.complete", "incident", maintenance.id)
    if result.changed:
        bump_version()
    return result
