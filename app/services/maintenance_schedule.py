"""Planning a maintenance window: the checks on a window, and `schedule_maintenance`.

Apart from app/services/maintenance.py so that recurring maintenance
(maintenance_series.py), which the tick there runs, can plan occurrences without
importing the tick's module back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.extensions import db
from app.models import (
    Component,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    utcnow,
)
from app.services import audit, notifications, validate
from app.services.components import lock_components
from app.services.errors import Invalid, NotFound
from app.services.incidents import MAX_MESSAGE, MAX_TITLE, _affect, add_update
from app.services.page import bump_version
from app.services.tx import transactional

PAST_WINDOW = (
    "This window ended in the past, so there is nothing left to schedule. "
    "To add maintenance that already happened, use “Record past maintenance”: "
    "it is added to history without notifying anyone."
)


def _window(starts: datetime, ends: datetime, now: datetime | None = None):
    """(start, end) of a window to plan: aware, in order, and, when `now` is given, not over.

    A window already over would start and complete at the next tick, posting
    "In progress" and "Completed" to every feed at once for something long past.
    """
    starts = validate.aware(starts, "start")
    ends = validate.aware(ends, "end")
    if ends <= starts:
        raise Invalid("The maintenance must end after it starts.", "scheduled_until")
    if now is not None and ends <= now:
        raise Invalid(PAST_WINDOW, "scheduled_until")
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
    notify: bool = True,
) -> Incident:
    """Plan a maintenance window; `tick` starts and completes it on time (and reminds its
    subscribers shortly before). Subscribers hear of it unless `notify` is False."""
    now = now or utcnow()
    name = validate.text(name, "title", max_len=MAX_TITLE)
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    starts, ends = _window(scheduled_for, scheduled_until, now)
    components = locked_components(component_ids)
    maintenance = new_maintenance(
        name, IncidentStatus.SCHEDULED, starts, ends, components, now, updated_at=now
    )
    update = add_update(maintenance, IncidentStatus.SCHEDULED, message, {}, actor=actor, at=now)
    notifications.announce(
        NotificationKind.MAINTENANCE_SCHEDULED, maintenance, update, notify=notify
    )
    bump_version()
    audit.record(actor, "maintenance.schedule", "incident", maintenance.id, name=name)
    return maintenance


def new_maintenance(
    name: str,
    status: IncidentStatus,
    starts: datetime,
    ends: datetime,
    components: list[Component],
    now: datetime,
    **columns,
) -> Incident:
    """A maintenance row for the window, added and flushed, with its components affected."""
    maintenance = Incident(
        kind=IncidentKind.MAINTENANCE,
        name=name,
        status=status,
        impact=Impact.MAINTENANCE,
        created_at=now,
        started_at=starts,
        scheduled_for=starts,
        scheduled_until=ends,
        **columns,
    )
    db.session.add(maintenance)
    db.session.flush()
    _affect(maintenance, components)
    return maintenance


def locked_components(component_ids: Iterable[int]) -> list[Component]:
    """The components asked for, locked, in the order given (duplicates dropped)."""
    wanted = {int(cid) for cid in component_ids}
    found = lock_components(wanted)
    if wanted - set(found):
        raise NotFound("No such component.")
    return [found[int(cid)] for cid in dict.fromkeys(component_ids)]
