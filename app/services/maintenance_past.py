"""Maintenance that already happened, recorded after the fact (like the incident backfill).

It goes straight to history as completed: no "In progress" or "Completed" posted
by the tick, no notifications, and its components' recorded periods show it in the
window it really had — their current status is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.models import ComponentStatus, Incident, IncidentStatus, utcnow
from app.services import audit, validate
from app.services.backfill import _insert_past_period
from app.services.errors import Invalid
from app.services.incidents import MAX_MESSAGE, MAX_TITLE, add_update
from app.services.maintenance_schedule import locked_components, new_maintenance
from app.services.page import bump_version
from app.services.tx import transactional

NOT_OVER = (
    "This window has not ended yet: schedule it instead, and it starts and completes on its own."
)


@transactional
def record_past_maintenance(
    *,
    name: str,
    message: str,
    started_at: datetime,
    ended_at: datetime,
    component_ids: Iterable[int] = (),
    actor=None,
    now: datetime | None = None,
) -> Incident:
    """Add a completed maintenance that ran from `started_at` to `ended_at` (both past)."""
    now = now or utcnow()
    name = validate.text(name, "title", max_len=MAX_TITLE)
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    starts = validate.aware(started_at, "start")
    ends = validate.aware(ended_at, "end")
    if ends <= starts:
        raise Invalid("The maintenance must end after it starts.", "scheduled_until")
    if ends > now:
        raise Invalid(NOT_OVER, "scheduled_until")
    components = locked_components(component_ids)
    maintenance = new_maintenance(
        name, IncidentStatus.COMPLETED, starts, ends, components, now, resolved_at=ends
    )
    # One update, at the end, marked as not for delivery: subscribers hear nothing of it.
    update = add_update(maintenance, IncidentStatus.COMPLETED, message, {}, actor=actor, at=ends)
    update.deliver_notifications = False
    for component in components:
        _insert_past_period(
            component, ComponentStatus.UNDER_MAINTENANCE, starts, ends, maintenance.id
        )
    bump_version()
    audit.record(actor, "maintenance.record_past", "incident", maintenance.id, name=name)
    return maintenance
