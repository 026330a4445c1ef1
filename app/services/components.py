"""Components: create, edit, order, delete, and status changes with periods (groups:
component_groups.py).

Every change re-reads the rows it decides on under a lock (services/tx.py): a
component before its status and periods, a group before its members, and the whole
list before a reorder, so two managers at once queue instead of splitting a status
into two open periods or giving two components one position.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusPeriod,
    NotificationKind,
    utcnow,
)
from app.services import audit, component_groups, notifications, validate
from app.services.errors import Invalid, NotFound
from app.services.ordering import (
    MAX_DESCRIPTION,
    MAX_NAME,
    find_row,
    locked_in_order,
    next_position,
    unique_name,
)
from app.services.page import bump_version
from app.services.tx import locked, locked_all, transactional

COMPONENT_GONE = "This component no longer exists; it was deleted meanwhile."


def list_components() -> list[Component]:
    return list(db.session.scalars(select(Component).order_by(Component.position, Component.id)))


def grouped(components: list[Component]) -> list[tuple[str | None, list[Component]]]:
    """Components as (group name or None, [components]) in page order, ungrouped last."""
    groups = {g.id: (g.name, []) for g in component_groups.list_groups()}
    ungrouped: list[Component] = []
    for component in components:
        groups.get(component.group_id, (None, ungrouped))[1].append(component)
    return [g for g in groups.values() if g[1]] + ([(None, ungrouped)] if ungrouped else [])


def get_component(component_id: int) -> Component:
    component = db.session.get(Component, component_id)
    if component is None:
        raise NotFound("No such component.")
    return component


def get_component_by_code(code: str) -> Component:
    component = db.session.scalar(select(Component).where(Component.code == code))
    if component is None:
        raise NotFound("No such component.")
    return component


def lock_components(ids: Iterable[int]) -> dict[int, Component]:
    """The components `ids` that exist, read afresh and locked, by id (in id order, so
    two writers locking overlapping sets queue rather than deadlock)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in locked_all(Component, Component.id.in_(wanted))}


def parse_status(value, field: str = "status") -> ComponentStatus:
    return validate.choice(ComponentStatus, value, field, label="component status")


def apply_status(
    component: Component,
    status: ComponentStatus,
    now: datetime,
    incident_id: int | None = None,
) -> ComponentStatus:
    """Set the status and close/open status periods; no commit. Returns the old status.

    The caller holds `component` locked (`lock_components` or `locked`), so its open
    period is the only one and nobody else ends it meanwhile.
    """
    old = component.status
    if old == status:
        return old
    open_period = db.session.scalar(
        select(ComponentStatusPeriod).where(
            ComponentStatusPeriod.component_id == component.id,
            ComponentStatusPeriod.ended_at.is_(None),
        )
    )
    if open_period is not None:
        # A clock a little behind the previous writer's must not start the new period
        # before the old one began: the history stays one unbroken line.
        now = max(now, open_period.started_at)
        open_period.ended_at = now
        # The database admits one open period per component: close this one first.
        db.session.flush()
    db.session.add(
        ComponentStatusPeriod(
            component_id=component.id, status=status, started_at=now, incident_id=incident_id
        )
    )
    component.status = status
    component.updated_at = now
    return old


@transactional
def create_component(
    *,
    name: str,
    description: str | None = None,
    group_id: int | None = None,
    status: str = ComponentStatus.OPERATIONAL,
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    actor=None,
    now: datetime | None = None,
) -> Component:
    """Add a component at the end of the list, with its first status period."""
    now = now or utcnow()
    name = validate.text(name, "name", max_len=MAX_NAME)
    description = validate.text(
        description, "description", max_len=MAX_DESCRIPTION, required=False, multiline=True
    )
    status = parse_status(status)
    unique_name(Component, name, None, "component")
    group = (
        locked(ComponentGroup, group_id, missing="No such component group.") if group_id else None
    )
    component = Component(
        name=name,
        description=description,
        group=group,
        status=status,
        showcase=showcase,
        only_show_if_degraded=only_show_if_degraded,
        position=next_position(Component),
        start_date=now.date(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(component)
    db.session.flush()
    db.session.add(ComponentStatusPeriod(component_id=component.id, status=status, started_at=now))
    bump_version()
    audit.record(actor, "component.create", "component", component.id, name=name)
    return component


@transactional
def update_component(
    component: Component,
    *,
    name: str,
    description: str | None,
    group_id: int | None,
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    actor=None,
) -> Component:
    """Edit a component's name, description, group and visibility."""
    name = validate.text(name, "name", max_len=MAX_NAME)
    description = validate.text(
        description, "description", max_len=MAX_DESCRIPTION, required=False, multiline=True
    )
    # The group before the component, in the order delete_group takes them.
    group = (
        locked(ComponentGroup, group_id, missing="No such component group.") if group_id else None
    )
    component = locked(Component, component, missing=COMPONENT_GONE)
    unique_name(Component, name, component.id, "component")
    component.group = group
    component.name = name
    component.description = description
    component.showcase = showcase
    component.only_show_if_degraded = only_show_if_degraded
    component.updated_at = utcnow()
    bump_version()
    audit.record(actor, "component.update", "component", component.id, name=name)
    return component


@transactional
def set_status(
    component: Component, status: str, *, actor=None, now: datetime | None = None
) -> Component:
    """Change a component's status by hand, outside any incident."""
    status = parse_status(status)
    component = locked(Component, component, missing=COMPONENT_GONE)
    old = apply_status(component, status, now or utcnow())
    if old != status:
        bump_version()
        audit.record(actor, "component.status", "component", component.id, old=old, new=status)
        # Webhooks and chat hear of it as Statuspage's `component_update`; a change made
        # by an incident update reaches them in that incident's message instead.
        notifications.queue(
            NotificationKind.COMPONENT_UPDATED,
            component_id=component.id,
            component_ids=[component.id],
            details={"old_status": old.value, "new_status": status.value},
        )
    return component


@transactional
def delete_component(component: Component, *, actor=None) -> None:
    """Remove a component; incidents keep its name in their history."""
    component = locked(Component, component, missing=COMPONENT_GONE)
    audit.record(actor, "component.delete", "component", component.id, name=component.name)
    db.session.delete(component)
    bump_version()


@transactional
def move_component(component: Component, direction: int, *, actor=None) -> None:
    """Swap a component with its neighbour above (-1) or below (+1) among the
    components shown with it: its group's, or the ungrouped ones."""
    if direction not in (-1, 1):
        raise Invalid("Direction must be up or down.")
    ordered = locked_in_order(Component)
    component = find_row(ordered, component, COMPONENT_GONE)
    siblings = [c for c in ordered if c.group_id == component.group_id]
    index = siblings.index(component) + direction
    if 0 <= index < len(siblings):
        a, b = ordered.index(component), ordered.index(siblings[index])
        ordered[a], ordered[b] = ordered[b], ordered[a]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    bump_version()
    audit.record(actor, "component.move", "component", component.id, direction=direction)


@transactional
def reorder_components(ordered_ids: list[int], *, actor=None) -> None:
    """Put components in the given order; ids not listed keep their relative order after."""
    components = {c.id: c for c in locked_in_order(Component)}
    unknown = [i for i in ordered_ids if i not in components]
    if unknown:
        raise NotFound(f"No such component: {unknown[0]}.")
    rest = [c for c in components.values() if c.id not in ordered_ids]
    for position, component in enumerate([components[i] for i in ordered_ids] + rest, start=1):
        component.position = position
    bump_version()
    audit.record(actor, "component.reorder", "component", None, order=ordered_ids)


@transactional
def change_component(component: Component, *, status: str | None = None, actor=None, **fields):
    """Change some of a component's fields and, or, its status, all or nothing (the API's
    PATCH): fields not given keep their values. `fields` are update_component's."""
    if fields:
        # Read, not locked: update_component takes the group's lock before the component's,
        # the order delete_group uses, and re-checks everything under those locks.
        db.session.refresh(component)
        current = {
            "name": component.name,
            "description": component.description,
            "group_id": component.group_id,
            "showcase": component.showcase,
            "only_show_if_degraded": component.only_show_if_degraded,
        }
        component = update_component(component, actor=actor, **(current | fields))
    if status is not None:
        component = set_status(component, status, actor=actor)
    return component
