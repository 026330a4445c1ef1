"""Alert incidents resolving themselves after a quiet period: once their alerts have all
resolved and none has fired again for the period set, and never sooner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Component, ComponentStatus, Incident, IncidentStatus, utcnow
from app.services import alert_quiet
from tests.integration.api.v1.test_integrations import ALERTMANAGER, firing, resolved


def _incident() -> Incident:
    db.session.expire_all()
    return db.session.scalar(select(Incident))


def _fired_and_resolved(manager_api, make_component) -> Incident:
    make_component("API")
    assert manager_api.post(ALERTMANAGER, json=firing()).status_code == 200
    assert manager_api.post(ALERTMANAGER, json=resolved()).status_code == 200
    incident = _incident()
    assert incident.status == IncidentStatus.MONITORING
    return incident


def test_a_quiet_incident_resolves_after_the_period(app, manager_api, make_component):
    """With a 30-minute quiet period, does an alert incident in monitoring stay open for
    29 minutes and resolve at 31, with an update saying why and the component restored?"""
    alert_quiet.set_quiet_minutes("30", actor="test")
    incident = _fired_and_resolved(manager_api, make_component)
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=29)) == []
    assert _incident().status == IncidentStatus.MONITORING
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=31)) == [incident.id]
    done = _incident()
    assert done.status == IncidentStatus.RESOLVED
    latest = max(done.updates, key=lambda update: update.id)
    assert "No alert has fired for 30 minutes" in latest.body
    public = manager_api.client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "No alert has fired for 30 minutes" in public
    api = db.session.scalar(select(Component))
    assert api.status == ComponentStatus.OPERATIONAL
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.auto_resolve"))
    assert event.actor_label == "alerts"
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=90)) == []  # once


def test_an_alert_firing_again_cancels_it(app, manager_api, make_component):
    """When the alert fires again within the period, does the incident stay open, and
    count its quiet period from the new resolution?"""
    alert_quiet.set_quiet_minutes("30", actor="test")
    _fired_and_resolved(manager_api, make_component)
    assert manager_api.post(ALERTMANAGER, json=firing()).status_code == 200
    assert _incident().status == IncidentStatus.IDENTIFIED
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=31)) == []
    assert _incident().status == IncidentStatus.IDENTIFIED
    assert manager_api.post(ALERTMANAGER, json=resolved()).status_code == 200
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=20)) == []
    assert _incident().status == IncidentStatus.MONITORING
    assert len(alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=31))) == 1


def test_without_a_period_a_person_resolves_it(app, manager_api, make_component):
    """With no quiet period set (the default), does monitoring last until a person acts?"""
    _fired_and_resolved(manager_api, make_component)
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(days=30)) == []
    assert _incident().status == IncidentStatus.MONITORING


def test_an_incident_a_person_opened_is_left_alone(app, make_component):
    """Is an incident in monitoring that no alert opened never resolved by the worker?"""
    from app.services import incidents

    alert_quiet.set_quiet_minutes("5", actor="test")
    api = make_component("API")
    incidents.open_incident(
        name="By hand",
        impact="minor",
        message="x",
        components={api.id: "degraded_performance"},
        status="monitoring",
        actor="test",
    )
    assert alert_quiet.resolve_quiet(utcnow() + timedelta(days=1)) == []


def test_an_admin_sets_the_quiet_period(app, as_admin, as_manager):
    """Can an admin set the period on the alert rules page (and clear it), is a bad value
    refused with a message, and is it closed to managers?"""
    page = as_admin.post("/admin/alert-rules/quiet", {"quiet_minutes": "45"})
    assert page.status_code == 302
    assert alert_quiet.quiet_minutes() == 45
    assert 'value="45"' in as_admin.get("/admin/alert-rules").get_data(as_text=True)
    for bad in ("0", "abc", "99999999", "-3"):
        refused = as_admin.post("/admin/alert-rules/quiet", {"quiet_minutes": bad})
        assert refused.status_code == 400
        assert "whole number of minutes" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert alert_quiet.quiet_minutes() == 45
    assert as_admin.post("/admin/alert-rules/quiet", {"quiet_minutes": ""}).status_code == 302
    db.session.expire_all()
    assert alert_quiet.quiet_minutes() is None
    assert as_manager.post("/admin/alert-rules/quiet", {"quiet_minutes": "5"}).status_code == 403
