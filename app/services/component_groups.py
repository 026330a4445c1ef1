"""Component groups: create, edit, order, delete. A group's components stay when it goes."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Component, ComponentGroup, utcnow
from app.services import audit, validate
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
from app.services.tx import locked, locked_all, row_id, transactional

GROUP_GONE = "This component group no longer exists; it was deleted meanwhile."


def list_groups() -> list[ComponentGroup]:
    return list(
        db.session.scalars(
            select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.id)
        )
    )


def get_group(group_id: int) -> ComponentGroup:
    group = db.session.get(ComponentGroup, group_id)
    if group is None:
        raise NotFound("No such component group.")
    return group


def _move(items: list, item, direction: int) -> None:
    if direction not in (-1, 1):
        raise Invalid("Direction must be up or down.")
    index = items.index(find_row(items, item, GROUP_GONE))
    other = index + direction
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position


@transactional
def create_group(*, name: str, description: str | None = None, actor=None) -> ComponentGroup:
    name = validate.text(name, "name", max_len=MAX_NAME)
    description = validate.text(
        description, "description", max_len=MAX_DESCRIPTION, required=False, multiline=True
    )
    unique_name(ComponentGroup, name, None, "group")
    group = ComponentGroup(
        name=name, description=description, position=next_position(ComponentGroup)
    )
    db.session.add(group)
    db.session.flush()
    bump_version()
    audit.record(actor, "group.create", "group", group.id, name=name)
    return group


@transactional
def update_group(group: ComponentGroup, *, name: str, description: str | None, actor=None):
    name = validate.text(name, "name", max_len=MAX_NAME)
    description = validate.text(
        description, "description", max_len=MAX_DESCRIPTION, required=False, multiline=True
    )
    group = locked(ComponentGroup, group, missing=GROUP_GONE)
    unique_name(ComponentGroup, name, group.id, "group")
    group.name = name
    group.description = description
    group.updated_at = utcnow()
    bump_version()
    audit.record(actor, "group.update", "group", group.id, name=name)
    return group


@transactional
def move_group(group: ComponentGroup, direction: int, *, actor=None) -> None:
    groups = locked_in_order(ComponentGroup)
    _move(groups, group, direction)
    bump_version()
    audit.record(actor, "group.move", "group", row_id(group), direction=direction)


@transactional
def delete_group(group: ComponentGroup, *, actor=None) -> None:
    """Remove a group; its components stay, ungrouped."""
    group = locked(ComponentGroup, group, missing=GROUP_GONE)
    for component in locked_all(Component, Component.group_id == group.id):
        component.group = None
    audit.record(actor, "group.delete", "group", group.id, name=group.name)
    db.session.delete(group)
    bump_version()


@transactional
def change_group(group: ComponentGroup, *, actor=None, **fields) -> ComponentGroup:
    """Change some of a group's fields (the API's PATCH); fields not given keep their values."""
    db.session.refresh(group)
    current = {"name": group.name, "description": group.description}
    return update_group(group, actor=actor, **(current | fields))
