"""Past incidents recorded after the fact, with explicit times, and their status periods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    ComponentStatusPeriod,
    Incident,
    IncidentKind,
    IncidentStatus,
    utcnow,
)
from app.services import audit, priority, validate
from app.services.errors import Invalid
from app.services.incident_rules import (
    MAX_MESSAGE,
    MAX_TITLE,
    check_transition,
    parse_impact,
    parse_incident_status,
)
from app.services.incidents import _affect, _components, add_update
from app.services.page import bump_version
from app.services.tx import transactional


@dataclass(frozen=True)
class PastUpdate:
    status: str
    message: str
    at: datetime


def _insert_past_period(component: Component, status: ComponentStatus, start, end, incident_id):
    """Carve [start, end) out of a component's recorded periods and fill it with `status`.

    The caller holds `component` locked, so its periods stay as read until commit.
    """
    overlapping = db.session.scalars(
        select(ComponentStatusPeriod).where(
            ComponentStatusPeriod.component_id == component.id,
            ComponentStatusPeriod.started_at < end,
            (ComponentStatusPeriod.ended_at.is_(None)) | (ComponentStatusPeriod.ended_at > start),
        )
    ).all()
    remainders = []
    for period in overlapping:
        if period.ended_at is None or period.ended_at > end:
            remainders.append(
                ComponentStatusPeriod(
                    component_id=component.id,
                    status=period.status,
                    started_at=end,
                    ended_at=period.ended_at,
                    incident_id=period.incident_id,
                )
            )
        if period.started_at < start:
            period.ended_at = start
        else:
            db.session.delete(period)
    # Cut before adding: the database admits one open period per component, and the
    # remainder of the open period is the new open one.
    db.session.flush()
    db.session.add_all(remainders)
    db.session.add(
        ComponentStatusPeriod(
            component_id=component.id,
            status=status,
            started_at=start,
            ended_at=end,
            incident_id=incident_id,
        )
    )


@transactional
def backfill_incident(
    *,
    name: str,
    impact: str,
    updates: list[PastUpdate],
    components: Mapping[int, str] | None = None,
    actor=None,
    now: datetime | None = None,
    internal_impact: str | None = None,
    urgency: str | None = None,
    owner_id: int | None = None,
) -> Incident:
    """Record a past, resolved incident with explicit times (oldest update first).

    `internal_impact`, `urgency` (its priority follows) and `owner_id` classify it as
    `incidents.open_incident` does: a past outage still counts in the managers' figures.
    """
    now = now or utcnow()
    name = validate.text(name, "title", max_len=MAX_TITLE)
    impact = parse_impact(impact)
    if not updates:
        raise Invalid("A past incident needs at least one update.", "updates")
    steps = []
    previous = None
    for index, past in enumerate(updates, start=1):
        at = validate.aware(past.at, f"time of update {index}")
        if at > now:
            raise Invalid(f"Update {index} is in the future; a past incident has happened.", "at")
        if previous is not None and at < previous[2]:
            raise Invalid(f"Update {index} is earlier than the one before it.", "at")
        status = parse_incident_status(past.status)
        if previous is not None:
            check_transition(previous[0], status, reopen=False)
        message = validate.text(
            past.message, f"message of update {index}", max_len=MAX_MESSAGE, multiline=True
        )
        previous = (status, message, at)
        steps.append(previous)
    if steps[-1][0] != IncidentStatus.RESOLVED:
        raise Invalid("The last update of a past incident must be “Resolved”.", "status")
    changes, _ = _components(components or {})
    started, ended = steps[0][2], steps[-1][2]
    incident = Incident(
        kind=IncidentKind.INCIDENT,
        name=name,
        status=IncidentStatus.RESOLVED,
        impact=impact,
        created_at=now,
        started_at=started,
        updated_at=ended,
    )
    classified = priority.assign(
        incident, internal_impact=internal_impact, urgency=urgency, owner_id=owner_id
    )
    db.session.add(incident)
    db.session.flush()
    _affect(incident, changes)
    for index, (status, message, at) in enumerate(steps):
        first = index == 0
        add_update(
            incident,
            status,
            message,
            changes if first else {},
            actor=actor,
            at=at,
            apply_changes=False,
        )
    if ended > started:
        for component, status in changes.items():
            _insert_past_period(component, status, started, ended, incident.id)
    bump_version()
    audit.record(actor, "incident.backfill", "incident", incident.id, name=name, **classified)
    return incident
