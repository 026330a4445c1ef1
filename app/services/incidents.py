"""The incident lifecycle: open, post updates, edit, resolve (postmortems: postmortems.py).

Each change locks the incident, then the components it touches (in id order), and
checks its rules on what it finds there (services/tx.py): two managers posting at
once queue, and the second is told what the first did rather than overwriting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AffectedComponent,
    Component,
    ComponentChange,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    NotificationKind,
    UpdateRevision,
    utcnow,
)
from app.services import audit, incident_queries, notifications, priority, validate
from app.services.components import apply_status, lock_components, parse_status
from app.services.errors import Conflict, Invalid, NotFound
from app.services.incident_rules import (
    MAX_MESSAGE,
    MAX_TITLE,
    check_update,
    parse_impact,
    parse_incident_status,
)
from app.services.page import bump_version
from app.services.tx import locked, row_id, transactional

INCIDENT_GONE = "This incident no longer exists; it was deleted meanwhile."
UPDATE_GONE = "This update no longer exists; it was deleted meanwhile."
ALREADY_RESOLVED = "This incident is already resolved; nothing was posted and nobody was told."


def get_incident(incident_id: int) -> Incident:
    incident = db.session.get(
        Incident,
        incident_id,
        options=[selectinload(Incident.updates).selectinload(IncidentUpdate.changes)],
    )
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def get_update(incident: Incident, update_id: int) -> IncidentUpdate:
    update = db.session.get(IncidentUpdate, update_id)
    if update is None or update.incident_id != incident.id:
        raise NotFound("No such update.")
    return update


def _components(
    changes: Mapping[int, str], also: Iterable[int] = ()
) -> tuple[dict[Component, ComponentStatus], dict[int, Component]]:
    """The requested status changes on locked components, and every component locked
    (those of `changes` and `also`, by id). An unknown component in `changes` is refused."""
    wanted = {int(cid): parse_status(status) for cid, status in changes.items()}
    found = lock_components([*wanted, *also])
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        raise NotFound("No such component.")
    return {found[cid]: status for cid, status in wanted.items()}, found


def _affect(incident: Incident, components: Iterable[Component]) -> None:
    known = {a.component_id for a in incident.affected}
    for component in components:
        if component.id not in known:
            incident.affected.append(
                AffectedComponent(
                    component_id=component.id,
                    component_code=component.code,
                    component_name=component.name,
                    position=len(incident.affected),
                )
            )
            known.add(component.id)


def add_update(
    incident: Incident,
    status: IncidentStatus,
    body: str,
    changes: Mapping[Component, ComponentStatus],
    *,
    actor,
    at: datetime,
    apply_changes: bool = True,
    deliver_notifications: bool = True,
) -> IncidentUpdate:
    """Append an update and its component changes; no commit (services share it)."""
    update = IncidentUpdate(
        status=status,
        body=body,
        created_at=at,
        updated_at=at,
        display_at=at,
        author_id=getattr(actor, "id", None),
        deliver_notifications=deliver_notifications,
    )
    incident.updates.insert(0, update)
    for component, new_status in changes.items():
        old = component.status
        if apply_changes:
            apply_status(component, new_status, at, incident_id=incident.id)
        update.changes.append(
            ComponentChange(
                component_id=component.id,
                component_code=component.code,
                component_name=component.name,
                old_status=old,
                new_status=new_status,
            )
        )
    incident.status = status
    incident.updated_at = at
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status.is_closed:
        incident.resolved_at = incident.resolved_at or at
    else:
        incident.resolved_at = None
    return update


@transactional
def open_incident(
    *,
    name: str,
    impact: str,
    message: str,
    components: Mapping[int, str] | None = None,
    status: str = IncidentStatus.INVESTIGATING,
    affected_ids: Iterable[int] = (),
    deliver_notifications: bool = True,
    actor=None,
    now: datetime | None = None,
    notify: bool = True,
    internal_impact: str | None = None,
    urgency: str | None = None,
    owner_id: int | None = None,
    started_at: datetime | None = None,
) -> Incident:
    """Open an incident, set its components' statuses and post its first update.

    `affected_ids` names components the incident concerns whose status it leaves as is.
    `internal_impact`, `urgency` (its priority follows) and `owner_id` are for managers only.
    `started_at` (not after now) is when the fault began, when known to be earlier.
    Subscribers of its components hear of it unless `notify` (or, from the API,
    `deliver_notifications`) is False.
    """
    name = validate.text(name, "title", max_len=MAX_TITLE)
    impact = parse_impact(impact)
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    status = parse_incident_status(status)
    affected_ids = [int(i) for i in affected_ids]
    changes, parts = _components(components or {}, also=affected_ids)
    if any(i not in parts for i in affected_ids):
        raise NotFound("No such component.")
    now = now or utcnow()
    incident = Incident(
        kind=IncidentKind.INCIDENT,
        name=name,
        status=status,
        impact=impact,
        created_at=now,
        updated_at=now,
        started_at=min(started_at or now, now),
    )
    classified = priority.assign(
        incident, internal_impact=internal_impact, urgency=urgency, owner_id=owner_id
    )
    db.session.add(incident)
    db.session.flush()
    _affect(incident, [*changes, *(parts[i] for i in affected_ids)])
    update = add_update(
        incident,
        status,
        message,
        changes,
        actor=actor,
        at=now,
        deliver_notifications=notify and deliver_notifications,
    )
    notifications.announce(
        NotificationKind.INCIDENT_OPENED, incident, update, notify=notify and deliver_notifications
    )
    bump_version()
    audit.record(
        actor, "incident.open", "incident", incident.id, name=name, impact=impact, **classified
    )
    return incident


def _restore_changes(
    incident: Incident, parts: Mapping[int, Component]
) -> dict[Component, ComponentStatus]:
    """Affected components (locked, in `parts`) still impaired, mapped back to operational,
    but for those another incident still holds down (see held_down_elsewhere)."""
    restore = {}
    held = incident_queries.held_down_elsewhere(
        incident.id, [a.component_id for a in incident.affected]
    )
    for affected in incident.affected:
        component = parts.get(affected.component_id)
        if (
            component is not None
            and component.id not in held
            and component.status
            not in (
                ComponentStatus.OPERATIONAL,
                ComponentStatus.UNDER_MAINTENANCE,
            )
        ):
            restore[component] = ComponentStatus.OPERATIONAL
    return restore


@transactional
def post_update(
    incident: Incident,
    *,
    status: str,
    message: str,
    components: Mapping[int, str] | None = None,
    restore_components: bool = False,
    reopen: bool = False,
    impact: str | None = None,
    deliver_notifications: bool = True,
    actor=None,
    now: datetime | None = None,
    notify: bool = True,
    unless_resolved: bool = False,
) -> IncidentUpdate:
    """Post an update; resolving may return the affected components to operational.
    Subscribers hear of it unless `notify` is False (a minor correction). With
    `unless_resolved` (a "resolve" a script may retry), a resolved incident is a Conflict,
    decided on the locked row so two at once cannot both post."""
    status = parse_incident_status(status)
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    incident = locked(Incident, incident, missing=INCIDENT_GONE)
    if incident.is_maintenance:
        raise Invalid("Use a maintenance update for scheduled maintenance.")
    if unless_resolved and incident.status == IncidentStatus.RESOLVED:
        raise Conflict(ALREADY_RESOLVED)
    restore = status == IncidentStatus.RESOLVED and restore_components
    affected = [a.component_id for a in incident.affected if restore and a.component_id]
    changes, parts = _components(components or {}, also=affected)
    now = now or utcnow()
    check_update(incident, status, reopen=reopen)
    if restore:
        changes = _restore_changes(incident, parts) | changes
    if impact is not None:
        incident.impact = parse_impact(impact)
    _affect(incident, changes)
    update = add_update(
        incident,
        status,
        message,
        changes,
        actor=actor,
        at=now,
        deliver_notifications=notify and deliver_notifications,
    )
    notifications.announce(
        NotificationKind.INCIDENT_UPDATED, incident, update, notify=notify and deliver_notifications
    )
    bump_version()
    changed = {"impact": incident.impact} if impact is not None else {}
    audit.record(actor, "incident.update", "incident", incident.id, status=status, **changed)
    return update


@transactional
def edit_incident(
    incident: Incident,
    *,
    name: str,
    impact: str,
    actor=None,
    internal_impact=priority.KEEP,
    urgency=priority.KEEP,
    owner_id=priority.KEEP,
) -> Incident:
    """Change an incident's title or impact, and (managers' eyes only) its internal
    impact, urgency and owner: `priority.KEEP` leaves one as it is, None clears it."""
    name = validate.text(name, "title", max_len=MAX_TITLE)
    incident = locked(Incident, incident, missing=INCIDENT_GONE)
    incident.name = name
    classified = {}
    if not incident.is_maintenance:
        incident.impact = parse_impact(impact)
        classified = priority.assign(
            incident, internal_impact=internal_impact, urgency=urgency, owner_id=owner_id
        )
    incident.updated_at = utcnow()
    bump_version()
    audit.record(actor, "incident.edit", "incident", incident.id, name=incident.name, **classified)
    return incident


@transactional
def edit_update(update: IncidentUpdate, *, body: str, actor=None) -> IncidentUpdate:
    """Change an update's text, keeping the previous text as a revision."""
    body = validate.text(body, "message", max_len=MAX_MESSAGE, multiline=True)
    incident_id = db.session.scalar(
        select(IncidentUpdate.incident_id).where(IncidentUpdate.id == row_id(update))
    )
    if incident_id is None:
        raise NotFound(UPDATE_GONE)
    # The incident before its update, in the order post_update and delete take them.
    locked(Incident, incident_id, missing=INCIDENT_GONE)
    update = locked(IncidentUpdate, update, missing=UPDATE_GONE)
    if body == update.body:
        return update
    now = utcnow()
    update.revisions.append(
        UpdateRevision(body=update.body, replaced_at=now, editor_id=getattr(actor, "id", None))
    )
    update.body = body
    update.updated_at = now
    update.incident.updated_at = now
    bump_version()
    audit.record(actor, "update.edit", "incident_update", update.id)
    return update


@transactional
def delete_incident(incident: Incident, *, actor=None) -> None:
    """Remove an incident entirely (for one opened by mistake); statuses stay as they are."""
    incident = locked(Incident, incident, missing=INCIDENT_GONE)
    audit.record(actor, "incident.delete", "incident", incident.id, name=incident.name)
    db.session.delete(incident)
    bump_version()
