"""Correcting a maintenance after it was scheduled: title, affected components, window.

What may change depends on where the maintenance is, decided on the row as locked:
- not started: everything; the window must still end in the future;
- in progress (or verifying): the title, the components (those added go under
  maintenance now, those removed come back) and the end, still in the future; its
  start is history;
- completed: the title, the components and the window it really ran in, both ends
  in the past (history only: no component changes status).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.extensions import db
from app.models import ComponentStatus, Incident, IncidentStatus, utcnow
from app.services import audit, validate
from app.services.components import apply_status, lock_components
from app.services.errors import Invalid, NotFound
from app.services.incidents import MAX_TITLE, _affect
from app.services.maintenance import _locked_maintenance
from app.services.maintenance_schedule import _window
from app.services.page import bump_version
from app.services.tx import transactional

STARTED = "It has started; only its end can change (its start is history)."
END_PASSED = "That end is in the past: to end the maintenance now, post “Completed”."
COMPLETED_IN_FUTURE = "A completed maintenance has ended: its end cannot be in the future."


@transactional
def edit_maintenance(
    maintenance: Incident | int,
    *,
    name: str,
    component_ids: Iterable[int],
    scheduled_for: datetime | None,
    scheduled_until: datetime,
    actor=None,
    now: datetime | None = None,
) -> Incident:
    """Change a maintenance's title, components and window as its state allows (above).

    `scheduled_for` None keeps the start (the form shows no start input once started).
    """
    now = now or utcnow()
    name = validate.text(name, "title", max_len=MAX_TITLE)
    maintenance = _locked_maintenance(maintenance)
    status = maintenance.status
    if status == IncidentStatus.SCHEDULED:
        starts, ends = _window(scheduled_for or maintenance.scheduled_for, scheduled_until, now)
        maintenance.scheduled_for = maintenance.started_at = starts
        maintenance.scheduled_until = ends
    elif status == IncidentStatus.COMPLETED:
        starts, ends = _window(scheduled_for or maintenance.started_at, scheduled_until)
        if ends > now:
            raise Invalid(COMPLETED_IN_FUTURE, "scheduled_until")
        maintenance.started_at, maintenance.resolved_at = starts, ends
    else:
        if scheduled_for is not None and scheduled_for != maintenance.started_at:
            raise Invalid(STARTED, "scheduled_for")
        ends = validate.aware(scheduled_until, "end")
        if ends <= now:
            raise Invalid(END_PASSED, "scheduled_until")
        maintenance.scheduled_until = ends
    _replace_components(maintenance, component_ids, now)
    maintenance.name = name
    maintenance.updated_at = now
    bump_version()
    audit.record(actor, "maintenance.edit", "incident", maintenance.id, name=name)
    return maintenance


def _replace_components(maintenance: Incident, component_ids: Iterable[int], now: datetime):
    """Make the affected list `component_ids`; while the window is open, flip statuses."""
    component_ids = list(dict.fromkeys(int(cid) for cid in component_ids))
    current = [a.component_id for a in maintenance.affected if a.component_id]
    # One lock call for old and new, so the components are taken in one id order.
    found = lock_components([*current, *component_ids])
    if set(component_ids) - set(found):
        raise NotFound("No such component.")
    before = {cid: found[cid] for cid in current}
    wanted = [found[cid] for cid in component_ids]
    keep = set(component_ids)
    for affected in list(maintenance.affected):
        if affected.component_id not in keep:
            maintenance.affected.remove(affected)
    _affect(maintenance, wanted)
    for position, affected in enumerate(
        sorted(maintenance.affected, key=lambda a: _order(a.component_id, component_ids))
    ):
        affected.position = position
    if maintenance.status not in (IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING):
        return
    # As the window opening and closing would: never hide nor "restore" an outage.
    for component in wanted:
        if component.id not in before and component.status == ComponentStatus.OPERATIONAL:
            apply_status(component, ComponentStatus.UNDER_MAINTENANCE, now, maintenance.id)
    for cid, component in before.items():
        if cid not in keep and component.status == ComponentStatus.UNDER_MAINTENANCE:
            apply_status(component, ComponentStatus.OPERATIONAL, now, maintenance.id)
    db.session.flush()


def _order(component_id: int | None, wanted: list[int]) -> int:
    return wanted.index(component_id) if component_id in wanted else len(wanted)
