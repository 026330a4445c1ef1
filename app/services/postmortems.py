"""An incident's postmortem: a draft saved, published (subscribers told once), reverted."""

from __future__ import annotations

from app.models import Incident, IncidentStatus, NotificationKind, utcnow
from app.services import audit, notifications, validate
from app.services.errors import Invalid
from app.services.incidents import INCIDENT_GONE
from app.services.page import bump_version
from app.services.tx import locked, transactional

MAX_POSTMORTEM = 100_000


@transactional
def save_postmortem(
    incident: Incident, *, body: str, publish: bool, actor=None, notify: bool = True
) -> Incident:
    """Save a postmortem draft, or publish it, once the incident is resolved. Subscribers
    hear of its first publication only (unless `notify` is False), never of later edits."""
    incident = locked(Incident, incident, missing=INCIDENT_GONE)
    if incident.is_maintenance:
        raise Invalid("Postmortems are written for incidents, not maintenance.")
    if incident.status != IncidentStatus.RESOLVED:
        raise Invalid("Resolve the incident before writing its postmortem.")
    body = validate.text(body, "postmortem", max_len=MAX_POSTMORTEM, multiline=True)
    now = utcnow()
    incident.postmortem_body = body
    incident.postmortem_updated_at = now
    if publish and incident.postmortem_published_at is None:
        incident.postmortem_published_at = now
        notifications.announce(NotificationKind.POSTMORTEM_PUBLISHED, incident, notify=notify)
    elif not publish:
        incident.postmortem_published_at = None
    incident.updated_at = now
    bump_version()
    audit.record(
        actor, "postmortem.publish" if publish else "postmortem.draft", "incident", incident.id
    )
    return incident
