"""Scheduled maintenance: schedule, advance by hand, and the clock-driven `tick`.

Like every service, these lock the maintenance, then its components, and decide on
what they find there: a reschedule that loses the race against the tick starting the
window is refused with what happened, never applied to a maintenance in progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    Notification,
    NotificationKind,
    utcnow,
)
from app.models.enums import MAINTENANCE_STATUSES
from app.services import audit, notifications, validate
from app.services.components import lock_components
from app.services.errors import Invalid
from app.services.incidents import MAX_MESSAGE, add_update
from app.services.maintenance_schedule import PAST_WINDOW as PAST_WINDOW
from app.services.maintenance_schedule import _window
from app.services.maintenance_schedule import locked_components as locked_components
from app.services.maintenance_schedule import schedule_maintenance as schedule_maintenance
from app.services.maintenance_series import plan_all
from app.services.page import bump_version
from app.services.tx import locked, transactional

STARTED_MESSAGE = (
    "Scheduled maintenance is currently in progress. We will provide updates as necessary."
)
COMPLETED_MESSAGE = "The scheduled maintenance has been completed."
_ORDER = {status: index for index, status in enumerate(MAINTENANCE_STATUSES)}
MAINTENANCE_GONE = "This maintenance no longer exists; it was deleted meanwhile."
STATUS_MOVES = (
    "maintenance.schedule",
    "maintenance.update",
    "maintenance.start",
    "maintenance.complete",
)
DEFAULT_REMINDER_MINUTES = 60
# What subscribers are told when a maintenance reaches a status.
_MOVED = {
    IncidentStatus.SCHEDULED: NotificationKind.MAINTENANCE_UPDATED,
    IncidentStatus.IN_PROGRESS: NotificationKind.MAINTENANCE_STARTED,
    IncidentStatus.VERIFYING: NotificationKind.MAINTENANCE_UPDATED,
    IncidentStatus.COMPLETED: NotificationKind.MAINTENANCE_COMPLETED,
}
# How a refusal names the state a maintenance reached.
_REACHED = {
    IncidentStatus.IN_PROGRESS: "started",
    IncidentStatus.VERIFYING: "moved to “Verifying”",
    IncidentStatus.COMPLETED: "was completed",
}


@transactional
def reschedule(
    maintenance: Incident,
    *,
    scheduled_for: datetime,
    scheduled_until: datetime,
    actor=None,
    now: datetime | None = None,
) -> Incident:
    """Move a maintenance window that has not started yet (to one not over)."""
    now = now or utcnow()
    starts, ends = _window(scheduled_for, scheduled_until, now)
    maintenance = _locked_maintenance(maintenance)
    if maintenance.status != IncidentStatus.SCHEDULED:
        raise Invalid(
            f"This maintenance {_what_happened(maintenance)}; "
            "only maintenance that has not started can be rescheduled."
        )
    maintenance.scheduled_for = maintenance.started_at = starts
    maintenance.scheduled_until = ends
    maintenance.updated_at = now
    bump_version()
    audit.record(actor, "maintenance.reschedule", "incident", maintenance.id)
    return maintenance


def _locked_maintenance(maintenance: Incident | int) -> Incident:
    maintenance = locked(Incident, maintenance, missing=MAINTENANCE_GONE)
    if not maintenance.is_maintenance:
        raise Invalid("This is an incident, not a maintenance.")
    return maintenance


def _what_happened(maintenance: Incident) -> str:
    """ "started a moment ago by the scheduler": the state it reached, when and by whom."""
    reached = _REACHED.get(maintenance.status, f"is “{maintenance.status.label}”")
    done = audit.last_done("incident", maintenance.id, STATUS_MOVES)
    return f"{reached} {done}" if done else reached


def _components_of(maintenance: Incident) -> list[Component]:
    """The maintenance's components, locked (in id order)."""
    found = lock_components(a.component_id for a in maintenance.affected if a.component_id)
    return [found[cid] for cid in sorted(found)]


def _advance(maintenance: Incident, status: IncidentStatus, message: str, actor, at: datetime):
    """Move a maintenance to `status`, flipping its components as the window opens or closes."""
    changes: dict[Component, ComponentStatus] = {}
    if maintenance.status == IncidentStatus.SCHEDULED and status != IncidentStatus.SCHEDULED:
        # History shows when it really ran: started early by hand, or late by the tick.
        maintenance.started_at = at
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
    notify: bool = True,
):
    """Advance a maintenance by hand (start early, verify, complete), forward only;
    subscribers hear of it unless `notify` is False."""
    if not maintenance.is_maintenance:
        raise Invalid("This is an incident, not a maintenance.")
    status = validate.choice(MAINTENANCE_STATUSES, status, "status")
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    maintenance = _locked_maintenance(maintenance)
    if _ORDER[status] < _ORDER[maintenance.status]:
        raise Invalid(
            f"This maintenance {_what_happened(maintenance)}; "
            f"it cannot go back to “{status.label}”.",
            "status",
        )
    update = _advance(maintenance, status, message, actor, now or utcnow())
    notifications.announce(_MOVED[status], maintenance, update, notify=notify)
    bump_version()
    audit.record(actor, "maintenance.update", "incident", maintenance.id, status=status)
    return update


@dataclass
class TickResult:
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    # Occurrences of recurring maintenance created ahead.
    planned: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.started or self.completed or self.planned)


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
    # Several workers may tick at once on PostgreSQL: each row is taken by one, and a
    # row a manager is changing right now is left for the next tick.
    query = query.with_for_update(skip_locked=True, key_share=True)
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


def _with_components_locked(due: list[Incident]) -> list[Incident]:
    """`due`, once the components of all of them are locked, in one id order."""
    lock_components(a.component_id for m in due for a in m.affected if a.component_id)
    return due


def _complete_missed(maintenance: Incident, now: datetime) -> None:
    """A window that passed whole while no tick ran (the worker was down): one "Completed",
    not "In progress" and "Completed" posted together; history keeps the planned window,
    and its components, never flipped, keep their status."""
    _advance(maintenance, IncidentStatus.COMPLETED, COMPLETED_MESSAGE, "scheduler", now)
    maintenance.started_at = maintenance.scheduled_for
    maintenance.resolved_at = maintenance.scheduled_until


@transactional
def tick(now: datetime | None = None) -> TickResult:
    """Start maintenance whose start has come and complete maintenance whose end has come.

    Idempotent: a second run at the same time finds nothing due.
    """
    now = now or utcnow()
    result = TickResult(planned=plan_all(now))
    for maintenance in _with_components_locked(
        _due([IncidentStatus.SCHEDULED], Incident.scheduled_for, now)
    ):
        if maintenance.scheduled_until <= now:
            _complete_missed(maintenance, now)
            result.completed.append(maintenance.id)
            audit.record("scheduler", "maintenance.complete", "incident", maintenance.id)
            continue
        update = _advance(
            maintenance, IncidentStatus.IN_PROGRESS, STARTED_MESSAGE, "scheduler", now
        )
        notifications.announce(NotificationKind.MAINTENANCE_STARTED, maintenance, update)
        result.started.append(maintenance.id)
        audit.record("scheduler", "maintenance.start", "incident", maintenance.id)
    db.session.flush()
    ending = [IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING]
    for maintenance in _with_components_locked(_due(ending, Incident.scheduled_until, now)):
        update = _advance(
            maintenance, IncidentStatus.COMPLETED, COMPLETED_MESSAGE, "scheduler", now
        )
        notifications.announce(NotificationKind.MAINTENANCE_COMPLETED, maintenance, update)
        result.completed.append(maintenance.id)
        audit.record("scheduler", "maintenance.complete", "incident", maintenance.id)
    result.reminded = _remind(now, reminder_lead())
    if result.changed:
        bump_version()
    return result


def reminder_lead() -> timedelta:
    """How long before a maintenance starts its subscribers are reminded (0: never)."""
    minutes = current_app.config.get("MAINTENANCE_REMINDER_MINUTES", DEFAULT_REMINDER_MINUTES)
    return timedelta(minutes=float(minutes))


def _remind(now: datetime, lead: timedelta) -> list[int]:
    """Queue the one reminder of each maintenance starting within `lead`.

    A maintenance scheduled inside that lead is not reminded of: its "scheduled"
    mail went out moments ago. The unique index on reminders, and the rows locked
    with SKIP LOCKED, keep two workers ticking at once from reminding twice.
    """
    if lead <= timedelta(0):
        return []
    reminded = select(Notification.incident_id).where(
        Notification.kind == NotificationKind.MAINTENANCE_REMINDER
    )
    upcoming = (
        select(Incident)
        .where(
            Incident.kind == IncidentKind.MAINTENANCE,
            Incident.status == IncidentStatus.SCHEDULED,
            Incident.scheduled_for > now,
            Incident.scheduled_for <= now + lead,
            Incident.id.not_in(reminded),
        )
        .order_by(Incident.id)
        .with_for_update(skip_locked=True, key_share=True)
    )
    done = []
    for maintenance in db.session.scalars(upcoming):
        if maintenance.created_at + lead > maintenance.scheduled_for:
            continue
        minutes = round((maintenance.scheduled_for - now).total_seconds() / 60)
        notifications.announce(
            NotificationKind.MAINTENANCE_REMINDER, maintenance, details={"minutes": minutes}
        )
        done.append(maintenance.id)
    return done
