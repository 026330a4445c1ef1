"""Resolving alert incidents after a quiet period.

When an incident's last firing alert resolves, alerts.receive moves it to
`monitoring`. With a quiet period set (page settings, in minutes), the worker
resolves such an incident once none of its alerts has fired, or changed at all,
for that long. An alert firing again within the period steps the incident back
to `identified` (alerts._join), which is what cancels the resolution: only
incidents still in monitoring are resolved. The update goes through
incidents.post_update, as a person's would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import AlertLink, Incident, IncidentStatus, PageSettings, utcnow
from app.services import audit, incidents, team_channels, validate
from app.services.errors import Invalid, NotFound
from app.services.page import SETTINGS_ID, get_settings
from app.services.tx import locked, transactional

ACTOR = "alerts"
MAX_QUIET_MINUTES = 7 * 24 * 60  # a week: longer is a person's decision
QUIET_FIELD = "quiet_minutes"


def quiet_minutes() -> int | None:
    return get_settings().alert_quiet_minutes


def parse_minutes(value) -> int | None:
    """A form's or API's quiet period: blank for never, else 1 to a week, in minutes."""
    value = validate.text(str(value or ""), QUIET_FIELD, max_len=10, required=False)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_QUIET_MINUTES:
        raise Invalid(
            f"The quiet period is a whole number of minutes from 1 to {MAX_QUIET_MINUTES}, "
            "or blank for never.",
            QUIET_FIELD,
        )
    return int(value)


@transactional
def set_quiet_minutes(value, *, actor) -> int | None:
    """Set (or, blank, turn off) the quiet period after which alert incidents resolve."""
    minutes = parse_minutes(value)
    try:
        settings = locked(PageSettings, SETTINGS_ID, missing="")
    except NotFound:
        settings = PageSettings(id=SETTINGS_ID, version=1)
        db.session.add(settings)
    before = settings.alert_quiet_minutes
    settings.alert_quiet_minutes = minutes
    if before != minutes:
        audit.record(
            actor,
            "settings.update",
            "page",
            SETTINGS_ID,
            changed={"alert_quiet": [before, minutes]},
        )
    return minutes


def _quiet_since(cutoff: datetime):
    """Incidents in monitoring with alerts, none firing, and none changed since `cutoff`."""
    firing = func.sum(case((AlertLink.firing.is_(True), 1), else_=0))
    return (
        select(Incident.id)
        .join(AlertLink, AlertLink.incident_id == Incident.id)
        .where(Incident.status == IncidentStatus.MONITORING)
        .group_by(Incident.id)
        .having(firing == 0, func.max(AlertLink.updated_at) <= cutoff)
        .order_by(Incident.id)
    )


def resolve_quiet(now: datetime | None = None) -> list[int]:
    """Resolve every alert incident quiet for the period; the ids resolved (none when no
    period is set). Each in a transaction of its own: one failure leaves the rest."""
    minutes = quiet_minutes()
    if not minutes:
        return []
    now = now or utcnow()
    cutoff = now - timedelta(minutes=minutes)
    resolved = []
    for incident_id in list(db.session.scalars(_quiet_since(cutoff))):
        if _resolve(incident_id, cutoff, minutes, now):
            resolved.append(incident_id)
    return resolved


@transactional
def _resolve(incident_id: int, cutoff: datetime, minutes: int, now: datetime) -> bool:
    incident = locked(Incident, incident_id, missing=incidents.INCIDENT_GONE)
    # Checked again under the lock: an alert may have fired, or a person acted, meanwhile.
    if db.session.scalar(_quiet_since(cutoff).where(Incident.id == incident.id)) is None:
        return False
    incidents.post_update(
        incident,
        status=IncidentStatus.RESOLVED,
        message=f"No alert has fired for {_duration(minutes)}; this incident is resolved.",
        restore_components=True,
        actor=ACTOR,
        now=now,
    )
    audit.record(ACTOR, "alert.auto_resolve", "incident", incident.id, quiet_minutes=minutes)
    team_channels.auto_resolved(incident, minutes)
    return True


def _duration(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return "a minute" if minutes == 1 else f"{minutes} minutes"
