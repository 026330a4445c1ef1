"""Several changes to one incident or maintenance, all or nothing (the API's PATCH).

Statuspage's API changes an incident's title, status, message, impact and components
in one request; Herald's services each do one of those. Run here inside one
transaction (services called by a service join it), a refusal by any of them rolls
back the others, and each keeps its own locks, rules and audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.models import Incident, IncidentStatus
from app.services import incidents, maintenance, priority
from app.services.errors import Invalid
from app.services.tx import locked, transactional

# What Statuspage's own templates say when a status changes without a message.
DEFAULT_MESSAGES = {
    IncidentStatus.INVESTIGATING: "We are currently investigating this issue.",
    IncidentStatus.IDENTIFIED: "The issue has been identified and a fix is being implemented.",
    IncidentStatus.MONITORING: "A fix has been implemented and we are monitoring the results.",
    IncidentStatus.RESOLVED: "This incident has been resolved.",
    IncidentStatus.SCHEDULED: "This maintenance has been scheduled.",
    IncidentStatus.IN_PROGRESS: maintenance.STARTED_MESSAGE,
    IncidentStatus.VERIFYING: "Verification is currently underway for the maintenance items.",
    IncidentStatus.COMPLETED: maintenance.COMPLETED_MESSAGE,
}
CANCELLED_MESSAGE = "This scheduled maintenance has been cancelled."


def default_message(status: str) -> str:
    try:
        return DEFAULT_MESSAGES[IncidentStatus(status)]
    except ValueError:
        return ""  # the service names the allowed statuses


@transactional
def change_incident(
    incident: Incident,
    *,
    name: str | None = None,
    status: str | None = None,
    message: str | None = None,
    impact: str | None = None,
    components: Mapping[int, str] | None = None,
    scheduled_for: datetime | None = None,
    scheduled_until: datetime | None = None,
    reopen: bool = False,
    deliver_notifications: bool = True,
    classification: Mapping | None = None,
    actor=None,
) -> Incident:
    """Apply what was given; an update is posted when a status, message or component
    status is given (the current status when only a message is). `classification`:
    `priority.classify`'s keyword arguments (internal impact, urgency, owner)."""
    incident = locked(Incident, incident, missing=incidents.INCIDENT_GONE)
    if classification:
        priority.classify(incident, **classification, actor=actor)
    if name is not None:
        incidents.edit_incident(incident, name=name, impact=impact or incident.impact, actor=actor)
    if incident.is_maintenance:
        if impact is not None:
            raise Invalid("Maintenance has no impact to set.", "impact")
        _change_maintenance(
            incident, status, message, components, scheduled_for, scheduled_until, actor
        )
        return incident
    if scheduled_for is not None or scheduled_until is not None:
        raise Invalid("Only maintenance has a schedule.", "scheduled_for")
    if status is not None or message is not None or components:
        status = status or incident.status
        incidents.post_update(
            incident,
            status=status,
            message=message if message is not None else default_message(status),
            components=components,
            impact=impact,
            reopen=reopen,
            deliver_notifications=deliver_notifications,
            actor=actor,
        )
    elif impact is not None:
        incidents.edit_incident(incident, name=incident.name, impact=impact, actor=actor)
    return incident


def _change_maintenance(incident, status, message, components, starts, ends, actor) -> None:
    if components:
        raise Invalid(
            "Maintenance sets its components' statuses itself as it starts and ends.",
            "components",
        )
    if starts is not None or ends is not None:
        maintenance.reschedule(
            incident,
            scheduled_for=starts or incident.scheduled_for,
            scheduled_until=ends or incident.scheduled_until,
            actor=actor,
        )
    if status is not None or message is not None:
        status = status or incident.status
        maintenance.post_maintenance_update(
            incident,
            status=status,
            message=message if message is not None else default_message(status),
            actor=actor,
        )


@transactional
def cancel_maintenance(incident: Incident, *, message: str | None = None, actor=None):
    """End a maintenance now, with a message saying it was cancelled; components it put
    under maintenance return to operational."""
    return maintenance.post_maintenance_update(
        incident, status=IncidentStatus.COMPLETED, message=message or CANCELLED_MESSAGE, actor=actor
    )
