"""Incident templates in the admin: managing them, and filling the incident forms with
them, without JavaScript (each fill is a round trip that posts nothing)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Component, Incident, IncidentTemplate, IncidentUpdate
from app.services import incident_templates, incidents


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def _outage_template(api, **extra):
    values = {
        "name": "API outage",
        "title": "API unavailable",
        "body": "The API is not answering; we are on it.",
        "impact": "critical",
        "update_status": "identified",
        "notify": False,
        "components": {api.id: "major_outage"},
        "actor": "test",
    }
    return incident_templates.create_template(**(values | extra))


def _template_form(api, **extra):
    data = {
        "name": "Database slow",
        "kind": "incident",
        "title": "Slow database",
        "update_status": "investigating",
        "impact": "minor",
        "body": "Queries take longer than usual.",
        f"component-{api.id}": "degraded_performance",
        "notify": "y",
    }
    return data | extra


def test_a_manager_creates_edits_and_deletes_a_template(as_manager, make_component):
    """Can a manager keep a template, change it, and delete it after confirming, each
    step in the audit log?"""
    api = make_component("API")
    response = as_manager.post("/admin/templates/new", data=_template_form(api))
    assert response.status_code == 302, response.get_data(as_text=True)
    template = db.session.scalars(select(IncidentTemplate)).one()
    assert template.statuses == {api.id: "degraded_performance"}
    listing = as_manager.get("/admin/templates").get_data(as_text=True)
    assert "Database slow" in listing and "Degraded Performance" in listing

    edit = as_manager.get(f"/admin/templates/{template.id}/edit").get_data(as_text=True)
    assert "Queries take longer than usual." in edit
    assert 'value="degraded_performance" selected' in edit
    changed = _template_form(api, body="Still slow.", **{f"component-{api.id}": ""})
    response = as_manager.post(f"/admin/templates/{template.id}/edit", data=changed)
    assert response.status_code == 302
    db.session.expire_all()
    template = db.session.get(IncidentTemplate, template.id)
    assert template.body == "Still slow." and template.statuses == {}

    confirm = as_manager.get(f"/admin/templates/{template.id}/delete")
    assert "Delete the template “Database slow”?" in confirm.get_data(as_text=True)
    assert _count(IncidentTemplate) == 1
    response = as_manager.post(f"/admin/templates/{template.id}/delete")
    assert response.status_code == 302
    assert _count(IncidentTemplate) == 0
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "incident_template")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["template.create", "template.update", "template.delete"]


def test_bad_template_input_is_refused_with_a_message_and_nothing_saved(as_manager, make_component):
    """Are a missing name, a taken name, an unknown component and an incident template
    without a title each refused with 400 and a message, saving nothing?"""
    api = make_component("API")
    _outage_template(api)
    cases = {
        "Name the template": {"name": " "},
        "A template named “api OUTAGE” already exists.": {"name": "api OUTAGE"},
        "There is no component with id": {"component-999": "major_outage"},
        "Title is required.": {"title": ""},
        "A new incident starts as one of": {"update_status": "resolved"},
        "Impact must be one of": {"impact": "apocalyptic"},
    }
    for message, change in cases.items():
        response = as_manager.post("/admin/templates/new", data=_template_form(api, **change))
        assert response.status_code == 400, message
        page = response.get_data(as_text=True)
        assert message in page
        assert "Queries take longer than usual." in page  # what was typed is kept
    assert _count(IncidentTemplate) == 1


def test_the_new_incident_form_is_filled_by_a_link_without_script(as_manager, make_component):
    """Does `?template=<id>` show the new-incident form filled in, posting nothing?"""
    api = make_component("API")
    template = _outage_template(api, update_status="investigating")
    response = as_manager.get(f"/admin/incidents/new?template={template.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="API unavailable"' in page
    assert "The API is not answering; we are on it.</textarea>" in page
    assert 'selected value="critical"' in page
    assert 'value="major_outage" selected' in page
    assert "Filled in from “API outage”" in page
    assert _count(Incident) == 0


def test_a_fill_button_keeps_what_the_manager_typed(as_manager, make_component):
    """Does pressing a template's button keep a title I typed (and fill the empty
    message), and replace it only when I ask?"""
    api = make_component("API")
    template = _outage_template(api, update_status="investigating")
    typed = {"title": "My own words", "message": "", "impact": "minor", "template": template.id}
    response = as_manager.post("/admin/incidents/new", data=typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="My own words"' in page
    assert "The API is not answering; we are on it.</textarea>" in page
    assert "Your title stayed as you typed it." in page
    assert _count(Incident) == 0

    asked = typed | {"template_replace": template.id}
    del asked["template"]
    page = as_manager.post("/admin/incidents/new", data=asked).get_data(as_text=True)
    assert 'value="API unavailable"' in page
    assert _count(Incident) == 0


def test_an_incident_opened_from_a_template_has_its_values(as_manager, make_component):
    """Once filled, does pressing “Open incident” open it with the template's values?"""
    api = make_component("API")
    template = _outage_template(api, update_status="investigating")
    as_manager.get(f"/admin/incidents/new?template={template.id}")
    response = as_manager.post(
        "/admin/incidents/new",
        data={
            "title": template.title,
            "message": template.body,
            "impact": "critical",
            "status": "investigating",
            f"component-{api.id}": "major_outage",
        },
    )
    assert response.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    assert incident.name == "API unavailable" and incident.impact == "critical"
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "major_outage"


def test_the_update_form_is_filled_from_an_update_template(as_manager, make_component):
    """On an incident's page, does an update template fill the status, message and
    components, by link and by button, posting nothing?"""
    api = make_component("API")
    incident = incidents.open_incident(name="Down", impact="major", message="Looking.")
    fixed = _outage_template(
        api,
        name="Fixed",
        kind="update",
        title=None,
        body="A fix is live; we are watching.",
        update_status="monitoring",
        components={api.id: "operational"},
    )
    page = as_manager.get(f"/admin/incidents/{incident.id}?template={fixed.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A fix is live; we are watching.</textarea>" in html
    assert 'selected value="monitoring"' in html
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "identified", "message": "Typed first.", "template": fixed.id},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Typed first.</textarea>" in html
    assert 'selected value="monitoring"' in html
    assert _count(IncidentUpdate) == 1


def test_a_template_that_cannot_be_used_is_said_and_nothing_posted(as_manager, make_component):
    """Are an unknown template, a made-up id and one for the other form refused with 400
    and a message, the typed text kept?"""
    api = make_component("API")
    update_template = _outage_template(api, kind="update", title=None)
    for raw, message in (
        ("999", "That template no longer exists"),
        ("abc", "Choose a template from the list."),
        (str(update_template.id), "is not a template for a new incident"),
    ):
        response = as_manager.post("/admin/incidents/new", data={"title": "Typed", "template": raw})
        assert response.status_code == 400, raw
        page = response.get_data(as_text=True)
        assert message in page and 'value="Typed"' in page
        assert as_manager.get(f"/admin/incidents/new?template={raw}").status_code == 400
    assert _count(Incident) == 0


def test_deleting_a_component_leaves_its_templates_working(as_manager, make_component):
    """When a component a template names is deleted, does the template still fill the form?"""
    api = make_component("API")
    web = make_component("Website")
    template = _outage_template(api, components={api.id: "major_outage", web.id: "partial_outage"})
    as_manager.post(f"/admin/components/{api.id}/delete")
    db.session.expire_all()
    assert db.session.get(IncidentTemplate, template.id).statuses == {web.id: "partial_outage"}
    response = as_manager.get(f"/admin/incidents/new?template={template.id}")
    assert response.status_code == 200
    assert 'value="partial_outage" selected' in response.get_data(as_text=True)


def test_the_audit_log_lists_template_changes_apart(as_admin, make_component):
    """Can an admin filter the audit log to template changes, each linking to its template?"""
    api = make_component("API")
    template = _outage_template(api)
    page = as_admin.get("/admin/audit?action=template").get_data(as_text=True)
    assert "template.create" in page
    assert f'href="/admin/templates/{template.id}/edit"' in page
    assert "component.create" not in page
