"""Incident templates through the API: managed like Statuspage's, and `template_id`
filling incident requests, with the request's own fields winning."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Incident, IncidentTemplate, IncidentUpdate
from app.services import incident_templates, incidents
from app.services.page import get_settings
from tests.integration.api.v1.conftest import error_of


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def _template(component, **extra):
    values = {
        "name": "Checkout down",
        "title": "Checkout is failing",
        "body": "Payments time out; we are investigating.",
        "impact": "critical",
        "update_status": "identified",
        "notify": False,
        "components": {component.id: "major_outage"},
        "actor": "test",
    }
    return incident_templates.create_template(**(values | extra))


def test_a_statuspage_client_creates_and_lists_templates(manager_api, make_component):
    """Does a wrapped Statuspage body create a template under /pages/<page id>/, listed
    with Statuspage's fields and written to the audit log with the token as actor?"""
    web = make_component("Web")
    page = get_settings().code
    created = manager_api.post(
        f"/api/v1/pages/{page}/incident_templates",
        json={
            "template": {
                "name": "Checkout down",
                "title": "Checkout is failing",
                "body": "Payments time out.",
                "update_status": "investigating",
                "should_send_notifications": False,
                "should_tweet": True,
                "components": {web.code: "partial_outage"},
            }
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "Checkout down" and body["kind"] == "incident"
    assert body["components"] == {web.code: "partial_outage"}
    assert body["component_ids"] == [web.code]
    assert body["should_send_notifications"] is False and body["should_tweet"] is False
    listed = manager_api.get("/api/v1/incident_templates").json
    assert [t["id"] for t in listed] == [body["id"]]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "template.create")
    ).one()
    assert event.actor_label.startswith("API token “manager script”")


def test_a_template_is_changed_and_deleted(admin_api, make_component):
    """Does a PATCH change only the fields sent, and DELETE remove the template?"""
    web = make_component("Web")
    template = _template(web)
    url = f"/api/v1/incident_templates/{template.id}"
    changed = admin_api.patch(url, json={"body": "New words.", "impact": None})
    assert changed.status_code == 200, changed.json
    assert changed.json["body"] == "New words." and changed.json["impact"] is None
    assert changed.json["title"] == "Checkout is failing"
    assert changed.json["components"] == {web.code: "major_outage"}
    assert admin_api.delete(url).status_code == 204
    assert admin_api.get(url).status_code == 404
    assert _count(IncidentTemplate) == 0


def test_bad_template_bodies_get_a_422_and_write_nothing(admin_api, make_component):
    """Are a taken name, an unknown component, component ids without statuses and a
    missing title each a 422 in the error shape, with nothing written?"""
    web = make_component("Web")
    _template(web)
    base = {"name": "Other", "title": "T", "body": "B"}
    cases = [
        ({"name": "checkout DOWN"}, "name"),
        ({"components": {"nosuchcode": "major_outage"}}, "components"),
        ({"component_ids": [web.code]}, "component_ids"),
        ({"title": None}, "title"),
        ({"update_status": "resolved"}, "update_status"),
        ({"kind": "postmortem"}, "kind"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        response = admin_api.post("/api/v1/incident_templates", json=base | change)
        assert response.status_code == 422, (change, response.json)
        assert field in error_of(response)["fields"], (change, response.json)
    assert _count(IncidentTemplate) == 1


def test_an_incident_is_opened_from_a_template(manager_api, make_component):
    """Does `template_id` alone open an incident with the template's title, message,
    status, impact, components and notification choice?"""
    web = make_component("Web")
    template = _template(web)
    created = manager_api.post("/api/v1/incidents", json={"template_id": str(template.id)})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "Checkout is failing"
    assert body["status"] == "identified" and body["impact"] == "critical"
    assert body["incident_updates"][0]["body"] == "Payments time out; we are investigating."
    assert [c["id"] for c in body["components"]] == [web.code]
    assert body["components"][0]["status"] == "major_outage"
    update = db.session.scalars(select(IncidentUpdate)).one()
    assert update.deliver_notifications is False


def test_fields_sent_win_over_the_template(manager_api, make_component):
    """Do a name, body, status, impact and components in the request override the
    template's, field by field?"""
    web = make_component("Web")
    api = make_component("API")
    template = _template(web)
    created = manager_api.post(
        "/api/v1/incidents",
        json={
            "incident": {
                "template_id": str(template.id),
                "name": "Only the API",
                "status": "investigating",
                "impact_override": "minor",
                "components": {api.code: "degraded_performance"},
                "deliver_notifications": True,
            }
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "Only the API" and body["impact"] == "minor"
    assert body["status"] == "investigating"
    assert body["incident_updates"][0]["body"] == template.body
    assert {c["id"]: c["status"] for c in body["components"]} == {api.code: "degraded_performance"}


def test_an_update_is_posted_from_a_template(manager_api, make_component):
    """Does `template_id` on PATCH and on /incident_updates post an update from it,
    leaving the incident's name as it is?"""
    web = make_component("Web")
    incident = incidents.open_incident(name="Checkout", impact="major", message="Looking.")
    fixed = _template(
        web,
        name="Fixed",
        kind="update",
        title="Not a new name",
        body="A fix is live.",
        update_status="monitoring",
        components={web.id: "operational"},
        impact=None,
    )
    changed = manager_api.patch(
        f"/api/v1/incidents/{incident.id}", json={"template_id": str(fixed.id)}
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["name"] == "Checkout" and changed.json["status"] == "monitoring"
    assert changed.json["incident_updates"][0]["body"] == "A fix is live."
    posted = manager_api.post(
        f"/api/v1/incidents/{incident.id}/incident_updates",
        json={"template_id": str(fixed.id), "body": "Still watching."},
    )
    assert posted.status_code == 201, posted.json
    assert posted.json["incident_updates"][0]["body"] == "Still watching."


def test_a_bad_template_id_is_a_422_and_writes_nothing(manager_api, make_component):
    """Are an unknown template, a malformed id, a template without a title and a
    template on maintenance refused with 422 in the error shape, nothing written?"""
    web = make_component("Web")
    untitled = _template(web, kind="update", title=None)
    cases = [
        ({"template_id": "999"}, "template_id"),
        ({"template_id": 3}, "template_id"),
        ({"template_id": "abc"}, "template_id"),
        ({"template_id": str(untitled.id)}, "name"),
        (
            {
                "template_id": str(untitled.id),
                "name": "Upgrade",
                "scheduled_for": "2030-01-01T10:00:00Z",
                "scheduled_until": "2030-01-01T11:00:00Z",
            },
            "template_id",
        ),
        ({}, "name"),
    ]
    for body, field in cases:
        response = manager_api.post("/api/v1/incidents", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in error_of(response)["fields"], (body, response.json)
    incident = incidents.open_incident(name="Checkout", impact="major", message="Looking.")
    response = manager_api.patch(f"/api/v1/incidents/{incident.id}", json={"template_id": "999"})
    assert response.status_code == 422
    assert _count(Incident) == 1
    assert _count(IncidentUpdate) == 1
