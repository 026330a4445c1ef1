"""What an incident may be: its title and message lengths, its impact and status values,
and which status moves the lifecycle allows. Plain rules on plain values; incidents.py
applies them to the locked incident."""

from __future__ import annotations

from app.models import Impact, Incident, IncidentStatus
from app.models.enums import INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services import audit, validate
from app.services.errors import Invalid

MAX_TITLE = 200
MAX_MESSAGE = 20_000
_ORDER = {status: index for index, status in enumerate(INCIDENT_STATUSES)}
# The audit actions that move an incident's status (see last_done).
STATUS_MOVES = ("incident.open", "incident.update")


def parse_impact(value) -> Impact:
    return validate.choice(INCIDENT_IMPACTS, value, "impact")


def parse_incident_status(value) -> IncidentStatus:
    return validate.choice(INCIDENT_STATUSES, value, "status")


def check_transition(current: IncidentStatus, new: IncidentStatus, *, reopen: bool) -> None:
    """Forward in any order, back from monitoring to identified, and reopen only when asked."""
    if current == IncidentStatus.RESOLVED:
        if new == IncidentStatus.RESOLVED or reopen:
            return
        raise Invalid(
            f"This incident is resolved; posting “{new.label}” would reopen it. "
            "Tick “Reopen the incident” to do so.",
            "status",
        )
    if new == current or _ORDER[new] > _ORDER[current]:
        return
    if current == IncidentStatus.MONITORING and new == IncidentStatus.IDENTIFIED:
        return
    raise Invalid(f"An incident cannot go back from “{current.label}” to “{new.label}”.", "status")


def check_update(incident: Incident, new: IncidentStatus, *, reopen: bool) -> None:
    """`check_transition` on the locked incident; a refusal says who moved it, and when."""
    current = incident.status
    try:
        check_transition(current, new, reopen=reopen)
    except Invalid:
        done = audit.last_done("incident", incident.id, STATUS_MOVES)
        when = f" {done}" if done else ""
        if current == IncidentStatus.RESOLVED:
            raise Invalid(
                f"This incident was resolved{when}; posting “{new.label}” would reopen it. "
                "Tick “Reopen the incident” to do so.",
                "status",
            ) from None
        raise Invalid(
            f"This incident moved to “{current.label}”{when}; it cannot go back to “{new.label}”.",
            "status",
        ) from None
