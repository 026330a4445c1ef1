"""Components and component groups: list, create, read, change (status too), delete."""

from __future__ import annotations

from app.api.v1 import actor, lookup, route
from app.api.v1 import fields as f
from app.api.v1.body import read
from app.api.v1.docs import document
from app.api.v1.idempotent import idempotent
from app.api.v1.present import Page, as_json, no_content
from app.models import ComponentStatus
from app.services import component_groups as group_service
from app.services import components as service
from app.services.components import MAX_DESCRIPTION, MAX_NAME

_COMPONENT_FIELDS = {
    "name": f.string(MAX_NAME),
    "description": f.string(MAX_DESCRIPTION, nullable=True),
    "status": f.choice(ComponentStatus),
    "group_id": f.string(32, nullable=True),
    "showcase": f.boolean(),
    "only_show_if_degraded": f.boolean(),
}
NEW_COMPONENT = f.Body("component", _COMPONENT_FIELDS, required=("name",))
COMPONENT_CHANGE = f.Body("component", _COMPONENT_FIELDS)
_GROUP_FIELDS = {
    "name": f.string(MAX_NAME),
    "description": f.string(MAX_DESCRIPTION, nullable=True),
}
NEW_GROUP = f.Body("component_group", _GROUP_FIELDS, required=("name",))
GROUP_CHANGE = f.Body("component_group", _GROUP_FIELDS)


@route("/components")
@document("List components and groups, in page order", response="component_list")
def components():
    return as_json(Page().component_list())


@route("/components", ("POST",))
@document("Create a component", body=NEW_COMPONENT, response="component", status=201)
@idempotent
def component_create():
    values = read(NEW_COMPONENT)
    if "group_id" in values:
        values["group_id"] = lookup.group_id(values["group_id"])
    created = service.create_component(actor=actor(), **values)
    return as_json(Page().component(created), 201)


@route("/components/<code>")
@document("Read a component", response="component")
def component(code: str):
    return as_json(Page().component(lookup.component(code)))


@route("/components/<code>", ("PATCH", "PUT"))
@document(
    "Change a component's fields or status (only those sent)",
    body=COMPONENT_CHANGE,
    response="component",
)
def component_change(code: str):
    found = lookup.component(code)
    values = read(COMPONENT_CHANGE)
    if "group_id" in values:
        values["group_id"] = lookup.group_id(values["group_id"])
    changed = service.change_component(found, actor=actor(), **values)
    return as_json(Page().component(changed))


@route("/components/<code>", ("DELETE",))
@document("Delete a component; incidents keep its name", status=204)
def component_delete(code: str):
    service.delete_component(lookup.component(code), actor=actor())
    return no_content()


@route("/component-groups")
@document("List component groups", response="group_list")
def groups():
    page = Page()
    return as_json([page.group(g) for g in page.groups])


@route("/component-groups", ("POST",))
@document("Create a component group", body=NEW_GROUP, response="group", status=201)
@idempotent
def group_create():
    created = group_service.create_group(actor=actor(), **read(NEW_GROUP))
    return as_json(Page().group(created), 201)


@route("/component-groups/<code>")
@document("Read a component group", response="group")
def group(code: str):
    return as_json(Page().group(lookup.group(code)))


@route("/component-groups/<code>", ("PATCH", "PUT"))
@document("Change a group's name or description", body=GROUP_CHANGE, response="group")
def group_change(code: str):
    found = lookup.group(code)
    changed = group_service.change_group(found, actor=actor(), **read(GROUP_CHANGE))
    return as_json(Page().group(changed))


@route("/component-groups/<code>", ("DELETE",))
@document("Delete a group; its components stay, ungrouped", status=204)
def group_delete(code: str):
    group_service.delete_group(lookup.group(code), actor=actor())
    return no_content()
