"""Incident templates: list, create, read, change, delete; and filling an incident
request from one (`template_id` on incident create and update).

Fields are Statuspage's (`name`, `title`, `body`, `update_status`,
`should_send_notifications`, `should_tweet` accepted and ignored) plus Herald's `kind`
(which admin form offers it), `impact` and `components` ({component id: status}).
"""

from __future__ import annotations

from app.api.statuspage import timestamp
from app.api.v1 import actor, lookup, route
from app.api.v1 import fields as f
from app.api.v1.body import read
from app.api.v1.docs import document
from app.api.v1.errors import ApiError, service_fields
from app.api.v1.idempotent import idempotent
from app.api.v1.present import as_json, no_content
from app.models import IncidentTemplate, TemplateKind
from app.models.enums import INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services import incident_templates as service
from app.services.incident_templates import MAX_NAME
from app.services.incidents import MAX_MESSAGE, MAX_TITLE

_FIELDS = {
    "name": f.string(MAX_NAME),
    "title": f.string(MAX_TITLE, nullable=True),
    "body": f.string(MAX_MESSAGE),
    "kind": f.choice(TemplateKind),
    "update_status": f.choice(INCIDENT_STATUSES),
    "impact": f.choice(INCIDENT_IMPACTS, nullable=True),
    "components": f.status_map(),
    "component_ids": f.id_list(),
    "should_send_notifications": f.boolean(),
    "should_tweet": f.boolean(),
}
NEW_TEMPLATE = f.Body("template", _FIELDS, required=("name", "body"))
TEMPLATE_CHANGE = f.Body("template", _FIELDS)
# The service's name for a field the API names otherwise: {API's: service's}.
_SERVICE_NAMES = {"should_send_notifications": "notify"}
# And the other way, for the service's messages: {service's: API's}.
_API_NAMES = {"message": "body", "status": "update_status", "notify": "should_send_notifications"}


def present(template: IncidentTemplate) -> dict:
    codes = lookup.component_codes(template.statuses)
    statuses = {codes[cid]: s.value for cid, s in template.statuses.items() if cid in codes}
    return {
        "id": str(template.id),
        "name": template.name,
        "kind": template.kind.value,
        "title": template.title,
        "body": template.body,
        "update_status": template.update_status.value,
        "impact": template.impact.value if template.impact else None,
        "components": statuses,
        "component_ids": list(statuses),
        "should_send_notifications": template.notify,
        "should_tweet": False,
        "group_id": None,
        "created_at": timestamp(template.created_at),
        "updated_at": timestamp(template.updated_at),
    }


def _service_values(values: dict) -> dict:
    """The request's fields as `incident_templates` takes them."""
    if "component_ids" in values and "components" not in values:
        raise ApiError(
            422,
            "A template gives each component a status: send components {component_id: status}.",
            {"component_ids": "Send components with their statuses."},
        )
    values.pop("component_ids", None)
    values.pop("should_tweet", None)  # Herald does not tweet
    out = {_SERVICE_NAMES.get(k, k): v for k, v in values.items()}
    if "components" in out:
        ids = lookup.component_ids(out["components"], "components")
        out["components"] = {ids[code]: status for code, status in out["components"].items()}
    return out


@route("/incident_templates")
@document("List incident templates, by name", response="incident_template_list")
def template_list():
    return as_json([present(t) for t in service.list_templates()])


@route("/incident_templates", ("POST",))
@document(
    "Create an incident template", body=NEW_TEMPLATE, response="incident_template", status=201
)
@idempotent
@service_fields(_API_NAMES)
def template_create():
    created = service.create_template(**_service_values(read(NEW_TEMPLATE)), actor=actor())
    return as_json(present(created), 201)


@route("/incident_templates/<template_id>")
@document("Read an incident template", response="incident_template", statuspage=False)
def template_read(template_id: str):
    return as_json(present(lookup.template(template_id)))


@route("/incident_templates/<template_id>", ("PATCH", "PUT"))
@document(
    "Change an incident template (only the fields sent)",
    body=TEMPLATE_CHANGE,
    response="incident_template",
    statuspage=False,
)
@service_fields(_API_NAMES)
def template_change(template_id: str):
    found = lookup.template(template_id)
    current = {
        "name": found.name,
        "kind": found.kind,
        "title": found.title,
        "body": found.body,
        "impact": found.impact,
        "update_status": found.update_status,
        "notify": found.notify,
        "components": found.statuses,
    }
    changed = service.update_template(
        found, **(current | _service_values(read(TEMPLATE_CHANGE))), actor=actor()
    )
    return as_json(present(changed))


@route("/incident_templates/<template_id>", ("DELETE",))
@document("Delete an incident template", status=204, statuspage=False)
def template_delete(template_id: str):
    service.delete_template(lookup.template(template_id), actor=actor())
    return no_content()


def no_template(values: dict) -> dict:
    """`values` of a maintenance request, which no template fills."""
    if "template_id" in values:
        raise ApiError(
            422,
            "Templates fill incidents, not maintenance.",
            {"template_id": "Not for maintenance."},
        )
    return values


def new_incident_values(values: dict) -> dict:
    """A new incident's fields over its template's; the template's title names it."""
    values = _with_template(values, title=True)
    if "name" not in values:
        raise ApiError(
            422,
            "The incident needs a name: the template has no title.",
            {"name": "Required: the template has no title."},
        )
    return values


def update_values(incident, values: dict) -> dict:
    """An update's fields over its template's (an update never renames its incident)."""
    if incident.is_maintenance:
        no_template(values)
    return _with_template(values, title=False)


def _with_template(values: dict, *, title: bool) -> dict:
    """`values` of an incident request over those of the template its `template_id`
    names: what the request sends wins, field by field. `title`: the template's title
    names the incident (a new one; an update keeps its incident's name)."""
    if "template_id" not in values:
        return values
    template = lookup.template_in_body(values.pop("template_id"))
    codes = lookup.component_codes(template.statuses)
    given = {
        "name": template.title if title else None,
        "body": template.body,
        "status": template.update_status.value,
        "impact_override": template.impact.value if template.impact else None,
        "components": {codes[c]: s.value for c, s in template.statuses.items() if c in codes}
        or None,
        "deliver_notifications": template.notify,
    }
    return {k: v for k, v in given.items() if v is not None} | values
