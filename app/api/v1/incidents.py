"""Incidents and scheduled maintenance, as Statuspage's API has them: one resource.

A body with `scheduled_for` (or a maintenance status) schedules maintenance; any
other creates an incident. Updates are posted by changing the incident (PATCH), as
Statuspage clients do, or at /incident_updates; /resolve, /cancel are Herald's own.
"""

from __future__ import annotations

from app.api.v1 import actor, lookup, query, route
from app.api.v1 import fields as f
from app.api.v1.body import read
from app.api.v1.docs import document
from app.api.v1.errors import ApiError
from app.api.v1.idempotent import idempotent
from app.api.v1.incident_templates import new_incident_values, no_template, update_values
from app.api.v1.present import Page, as_json, no_content
from app.models import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    InternalImpact,
    Urgency,
)
from app.models.enums import INCIDENT_IMPACTS, MAINTENANCE_STATUSES
from app.services import incident_changes, incident_queries, incidents, maintenance, priority
from app.services.incidents import MAX_MESSAGE, MAX_TITLE

_COMMON = {
    "name": f.string(MAX_TITLE),
    "status": f.choice(IncidentStatus),
    "body": f.string(MAX_MESSAGE),
    "impact_override": f.choice(INCIDENT_IMPACTS, nullable=True),
    "components": f.status_map(),
    "component_ids": f.id_list(),
    "deliver_notifications": f.boolean(),
    "scheduled_for": f.timestamp(),
    "scheduled_until": f.timestamp(),
    "template_id": f.row_id("an incident template"),
    # Herald's own, internal (never in /api/v2): ITIL's classification and the owner.
    "internal_impact": f.choice(InternalImpact, nullable=True),
    "urgency": f.choice(Urgency, nullable=True),
    "owner_email": f.string(254, nullable=True),
}
CLASSIFICATION = ("internal_impact", "urgency", "owner_email")
# A template may give the name; fields sent win over the template's.
NEW_INCIDENT = f.Body("incident", _COMMON, one_of=("name", "template_id"))
INCIDENT_CHANGE = f.Body("incident", {**_COMMON, "reopen": f.boolean()})
NEW_UPDATE = f.Body(
    "incident_update",
    {
        k: _COMMON[k]
        for k in (
            "status",
            "body",
            "impact_override",
            "components",
            "deliver_notifications",
            "template_id",
        )
    }
    | {"reopen": f.boolean()},
)
UPDATE_EDIT = f.Body("incident_update", {"body": f.string(MAX_MESSAGE)}, required=("body",))
RESOLVE = f.Body(
    "incident",
    {"body": f.string(MAX_MESSAGE), "deliver_notifications": f.boolean()},
)
CANCEL = f.Body("incident", {"body": f.string(MAX_MESSAGE)})

_SEVERITY_IMPACT = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}
_QUERY = {
    "q": {"type": "string", "maxLength": 200},
    "status": {"type": "string", "enum": [s.value for s in IncidentStatus]},
    "impact": {"type": "string", "enum": [i.value for i in Impact]},
    "kind": {"type": "string", "enum": [k.value for k in IncidentKind]},
    "limit": {"type": "string", "pattern": "^[0-9]{1,3}$"},
    "page": {"type": "string", "pattern": "^[0-9]{1,5}$"},
}


def _impact_of(statuses) -> str:
    """Statuspage's rule when no impact is given: the worst component status decides."""
    worst = max((ComponentStatus(s) for s in statuses), key=lambda s: s.severity, default=None)
    return _SEVERITY_IMPACT.get(worst, Impact.NONE).value


def _list(**filters):
    status = query.member("status", IncidentStatus)
    found = incident_queries.search(
        kind=filters.pop("kind", None) or query.member("kind", IncidentKind),
        statuses=filters.pop("statuses", None) or ([status] if status else None),
        impact=query.member("impact", Impact),
        query=query.text("q"),
        limit=query.number("limit", 50, incident_queries.MAX_LIMIT),
        page=query.number("page", 1, 10_000),
        **filters,
    )
    page = Page()
    return as_json([page.incident(i) for i in found])


@route("/incidents")
@document("List incidents and maintenance, newest first", response="incident_list", query=_QUERY)
def incident_list():
    return _list()


@route("/incidents/unresolved")
@document("List open incidents", response="incident_list", query=_QUERY)
def incidents_unresolved():
    return _list(kind=IncidentKind.INCIDENT, statuses=incident_queries.unresolved_statuses())


@route("/incidents/scheduled")
@document("List maintenance not started yet", response="incident_list", query=_QUERY)
def incidents_scheduled():
    return _list(kind=IncidentKind.MAINTENANCE, statuses=[IncidentStatus.SCHEDULED])


@route("/incidents/upcoming")
@document("List maintenance starting in the future", response="incident_list", query=_QUERY)
def incidents_upcoming():
    return _list(kind=IncidentKind.MAINTENANCE, statuses=[IncidentStatus.SCHEDULED], upcoming=True)


@route("/incidents/active_maintenance")
@document("List maintenance in progress", response="incident_list", query=_QUERY)
def incidents_active_maintenance():
    return _list(
        kind=IncidentKind.MAINTENANCE,
        statuses=[IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING],
    )


def _classification(values: dict) -> dict:
    """The classification fields sent, as the services' keyword arguments."""
    found = {k: values[k] for k in ("internal_impact", "urgency") if k in values}
    if "owner_email" in values:
        found["owner_id"] = priority.owner_by_email(values["owner_email"])
    return found


def _schedule(values: dict):
    internal = [k for k in CLASSIFICATION if k in values]
    if internal:
        raise ApiError(
            422,
            "Maintenance has no priority or owner.",
            dict.fromkeys(internal, "Only for incidents."),
        )
    if "components" in values:
        raise ApiError(
            422,
            "Maintenance sets its components to under maintenance itself; name them in "
            "component_ids.",
            {"components": "Not for maintenance; use component_ids."},
        )
    missing = {
        k: "Required for maintenance."
        for k in ("scheduled_for", "scheduled_until")
        if k not in values
    }
    if values.get("status", IncidentStatus.SCHEDULED) != IncidentStatus.SCHEDULED:
        missing["status"] = "New maintenance starts as scheduled; the clock starts it."
    if missing:
        raise ApiError(422, "Maintenance needs scheduled_for and scheduled_until.", missing)
    ids = lookup.component_ids(values.get("component_ids", []), "component_ids")
    return maintenance.schedule_maintenance(
        name=values["name"],
        message=values.get("body") or incident_changes.DEFAULT_MESSAGES[IncidentStatus.SCHEDULED],
        scheduled_for=values["scheduled_for"],
        scheduled_until=values["scheduled_until"],
        component_ids=[ids[c] for c in values.get("component_ids", [])],
        actor=actor(),
    )


def _open(values: dict):
    for name in ("scheduled_for", "scheduled_until"):
        if name in values:
            raise ApiError(422, "Only maintenance has a schedule.", {name: "Only for maintenance."})
    statuses = values.get("components", {})
    ids = lookup.component_ids([*statuses, *values.get("component_ids", [])], "components")
    status = values.get("status", IncidentStatus.INVESTIGATING)
    return incidents.open_incident(
        name=values["name"],
        impact=values.get("impact_override") or _impact_of(statuses.values()),
        message=values.get("body") or incident_changes.default_message(status),
        components={ids[c]: s for c, s in statuses.items()},
        affected_ids=[ids[c] for c in values.get("component_ids", []) if c not in statuses],
        status=status,
        deliver_notifications=values.get("deliver_notifications", True),
        actor=actor(),
        **_classification(values),
    )


@route("/incidents", ("POST",))
@document(
    "Create an incident, or schedule maintenance (with scheduled_for)",
    body=NEW_INCIDENT,
    response="any_incident",
    status=201,
)
@idempotent
def incident_create():
    values = read(NEW_INCIDENT)
    is_maintenance = "scheduled_for" in values or values.get("status") in MAINTENANCE_STATUSES
    if is_maintenance:
        created = _schedule(no_template(values))
    else:
        created = _open(new_incident_values(values))
    return as_json(Page().incident(incidents.get_incident(created.id)), 201)


@route("/incidents/<incident_id>")
@document("Read an incident or maintenance", response="any_incident")
def incident(incident_id: str):
    return as_json(Page().incident(lookup.incident(incident_id)))


def _component_statuses(values: dict) -> dict[int, str] | None:
    statuses = values.get("components")
    if statuses is None:
        return None
    ids = lookup.component_ids(statuses, "components")
    return {ids[c]: s for c, s in statuses.items()}


def _answer(incident_id: int):
    return as_json(Page().incident(incidents.get_incident(incident_id)))


@route("/incidents/<incident_id>", ("PATCH", "PUT"))
@document(
    "Change an incident: name, impact, or post an update (status, body, components)",
    body=INCIDENT_CHANGE,
    response="any_incident",
)
def incident_change(incident_id: str):
    found = lookup.incident(incident_id)
    values = update_values(found, read(INCIDENT_CHANGE))
    if "component_ids" in values and "components" not in values:
        raise ApiError(
            422,
            "To change components, send components: {component_id: status}.",
            {"component_ids": "Send components with their statuses."},
        )
    incident_changes.change_incident(
        found,
        name=values.get("name"),
        status=values.get("status"),
        message=values.get("body"),
        impact=values.get("impact_override"),
        components=_component_statuses(values),
        scheduled_for=values.get("scheduled_for"),
        scheduled_until=values.get("scheduled_until"),
        reopen=values.get("reopen", False),
        deliver_notifications=values.get("deliver_notifications", True),
        classification=_classification(values),
        actor=actor(),
    )
    return _answer(found.id)


@route("/incidents/<incident_id>", ("DELETE",))
@document("Delete an incident or maintenance entirely", status=204)
def incident_delete(incident_id: str):
    incidents.delete_incident(lookup.incident(incident_id), actor=actor())
    return no_content()


@route("/incidents/<incident_id>/incident_updates", ("POST",))
@document(
    "Post an update to an incident or maintenance",
    body=NEW_UPDATE,
    response="any_incident",
    status=201,
)
@idempotent
def update_create(incident_id: str):
    found = lookup.incident(incident_id)
    values = update_values(found, read(NEW_UPDATE))
    incident_changes.change_incident(
        found,
        status=values.get("status") or found.status,
        message=values.get("body"),
        impact=values.get("impact_override"),
        components=_component_statuses(values),
        reopen=values.get("reopen", False),
        deliver_notifications=values.get("deliver_notifications", True),
        actor=actor(),
    )
    return as_json(Page().incident(incidents.get_incident(found.id)), 201)


@route("/incidents/<incident_id>/incident_updates/<int:update_id>", ("PATCH", "PUT"))
@document(
    "Edit an update's text (the earlier text is kept)", body=UPDATE_EDIT, response="any_incident"
)
def update_edit(incident_id: str, update_id: int):
    found = lookup.incident(incident_id)
    update = incidents.get_update(found, update_id)
    incidents.edit_update(update, body=read(UPDATE_EDIT)["body"], actor=actor())
    return _answer(found.id)


@route("/incidents/<incident_id>/resolve", ("POST",))
@document(
    "Resolve an incident; its impaired components return to operational",
    body=RESOLVE,
    response="any_incident",
    statuspage=False,
)
def incident_resolve(incident_id: str):
    found = lookup.incident(incident_id)
    values = read(RESOLVE)
    if found.is_maintenance:
        raise ApiError(409, "This is maintenance: complete or cancel it instead.")
    incidents.post_update(
        found,
        status=IncidentStatus.RESOLVED,
        message=values.get("body") or incident_changes.DEFAULT_MESSAGES[IncidentStatus.RESOLVED],
        restore_components=True,
        deliver_notifications=values.get("deliver_notifications", True),
        actor=actor(),
        unless_resolved=True,
    )
    return _answer(found.id)


@route("/incidents/<incident_id>/cancel", ("POST",))
@document(
    "Cancel maintenance: it ends now, saying so",
    body=CANCEL,
    response="any_incident",
    statuspage=False,
)
def maintenance_cancel(incident_id: str):
    found = lookup.incident(incident_id)
    if not found.is_maintenance:
        raise ApiError(409, "Only maintenance can be cancelled; resolve an incident instead.")
    incident_changes.cancel_maintenance(found, message=read(CANCEL).get("body"), actor=actor())
    return _answer(found.id)
