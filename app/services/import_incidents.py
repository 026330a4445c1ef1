"""Importing one incident or maintenance with its updates (see page_import.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AffectedComponent,
    ComponentChange,
    ComponentStatus,
    Impact,
    Incident,
    IncidentUpdate,
    InternalImpact,
    Priority,
    UpdateRevision,
    Urgency,
)
from app.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from app.services import priority
from app.services.errors import Invalid
from app.services.import_fields import Fields
from app.services.incidents import MAX_MESSAGE
from app.services.postmortems import MAX_POSTMORTEM

_STATUSES = {"incident": list(INCIDENT_STATUSES), "maintenance": list(MAINTENANCE_STATUSES)}
_IMPACTS = {"incident": list(Impact), "maintenance": [*Impact, "maintenance"]}


def import_incident(
    item: Fields, kind: str, components, incident_ids, spare_ids, result, tick
) -> None:
    """Add the incident in `item` unless this page already has it (same kind, title, creation
    time and scheduled start)."""
    name = item.text("name", 200)
    created_at = item.time("created_at")
    scheduled_for = item.time("scheduled_for", required=False)
    # The occurrences of a recurring maintenance share a title and a creation time.
    existing = db.session.scalar(
        select(Incident).where(
            Incident.kind == kind,
            Incident.name == name,
            Incident.created_at == created_at,
            Incident.scheduled_for.is_(None)
            if scheduled_for is None
            else Incident.scheduled_for == scheduled_for,
        )
    )
    file_id = item.integer("id", required=False)
    label = "maintenance" if kind == "maintenance" else "incidents"
    if existing is not None:
        if file_id is not None:
            incident_ids[file_id] = existing.id
        result.count(label, added=False)
        tick()
        return
    incident = Incident(
        kind=kind,
        name=name,
        status=item.choice("status", _STATUSES[kind]),
        impact=item.choice("impact", _IMPACTS[kind], required=False)
        or ("maintenance" if kind == "maintenance" else "none"),
        created_at=created_at,
        updated_at=item.time("updated_at", required=False) or created_at,
        started_at=item.time("started_at", required=False) or created_at,
        monitoring_at=item.time("monitoring_at", required=False),
        resolved_at=item.time("resolved_at", required=False),
        scheduled_for=scheduled_for,
        scheduled_until=item.time("scheduled_until", required=False),
    )
    if kind == "maintenance" and (
        incident.scheduled_for is None or incident.scheduled_until is None
    ):
        raise Invalid(f"{item.path}: maintenance needs scheduled_for and scheduled_until.")
    _postmortem(incident, item.child("postmortem"))
    _classify(incident, item)
    if file_id is not None and db.session.get(Incident, file_id) is None:
        incident.id = file_id  # links to /incidents/<id> keep working
    else:
        # Never the database's sequence: it knows nothing of the ids written explicitly.
        incident.id = next(spare_ids)
    for position, affected in enumerate(item.items("affected_components")):
        code, component_name = _component_ref(affected)
        found = components.get(code)
        incident.affected.append(
            AffectedComponent(
                component_id=found.id if found else None,
                component_code=code,
                component_name=component_name,
                position=position,
            )
        )
    updates = item.items("updates", required=True)
    if not updates:
        raise Invalid(f"{item.at('updates')}: needs at least one update.")
    for update in updates:
        incident.updates.append(_update(update, kind, components))
    db.session.add(incident)
    db.session.flush()
    if file_id is not None:
        incident_ids[file_id] = incident.id
        if incident.id != file_id:
            result.renumbered[file_id] = incident.id
    result.count(label, added=True)
    tick()


def _classify(incident: Incident, item: Fields) -> None:
    """The managers' classification. Its owner is a user, and users are not exported."""
    impact = item.choice("internal_impact", list(InternalImpact), required=False)
    urgency = item.choice("urgency", list(Urgency), required=False)
    incident.internal_impact = InternalImpact(impact) if impact else None
    incident.urgency = Urgency(urgency) if urgency else None
    derived = priority.derive(incident.internal_impact, incident.urgency)
    kept = item.choice("priority", list(Priority), required=False)
    if kept is not None and derived is None:
        raise Invalid(f"{item.at('priority')}: a priority needs internal_impact and urgency.")
    # The file's priority, when it has one: the matrix may have changed since it was derived.
    incident.priority = Priority(kept) if kept else derived


def _postmortem(incident: Incident, item: Fields | None) -> None:
    if item is None:
        return
    incident.postmortem_body = item.text("body", MAX_POSTMORTEM, multiline=True)
    incident.postmortem_updated_at = item.time("updated_at", required=False)
    incident.postmortem_published_at = item.time("published_at", required=False)


def _component_ref(item: Fields) -> tuple[str, str]:
    return item.code("code"), item.text("name", 100)


def _update(item: Fields, kind: str, components) -> IncidentUpdate:
    created_at = item.time("created_at")
    update = IncidentUpdate(
        status=item.choice("status", _STATUSES[kind]),
        body=item.text("body", MAX_MESSAGE, multiline=True),
        created_at=created_at,
        updated_at=item.time("updated_at", required=False) or created_at,
        display_at=item.time("display_at", required=False) or created_at,
        deliver_notifications=item.flag("deliver_notifications", True),
    )
    statuses = list(ComponentStatus)
    for change in item.items("component_changes"):
        code, name = _component_ref(change)
        found = components.get(code)
        update.changes.append(
            ComponentChange(
                component_id=found.id if found else None,
                component_code=code,
                component_name=name,
                old_status=change.choice("old_status", statuses),
                new_status=change.choice("new_status", statuses),
            )
        )
    for revision in item.items("revisions"):
        update.revisions.append(
            UpdateRevision(
                body=revision.text("body", MAX_MESSAGE, multiline=True),
                replaced_at=revision.time("replaced_at"),
            )
        )
    return update
