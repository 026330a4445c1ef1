"""Alertmanager and Grafana webhooks driving incidents, seen from the public page.

The Alertmanager body is the real sample (webhook version 4) in tests/fixtures; the
Grafana body is a Grafana-managed alert contact point's, in Grafana's own shape.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AlertLink,
    AlertRule,
    AuditEvent,
    Component,
    Incident,
    IncidentUpdate,
    utcnow,
)
from app.services import incidents
from tests.integration.api.v1.conftest import Api, error_of

SAMPLE = json.loads(
    (Path(__file__).parents[3] / "fixtures" / "alertmanager-webhook-v4.json").read_text("utf-8")
)
ALERTMANAGER = "/api/v1/integrations/alertmanager"
GRAFANA = "/api/v1/integrations/grafana"


def firing() -> dict:
    return copy.deepcopy(SAMPLE)


def resolved(payload: dict | None = None) -> dict:
    payload = copy.deepcopy(payload or SAMPLE)
    payload["status"] = "resolved"
    for alert in payload["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-27T10:20:00Z"
    return payload


def grafana(status: str = "firing") -> dict:
    """What a Grafana 10/11 webhook contact point sends for one alert rule."""
    return {
        "receiver": "herald",
        "status": status,
        "orgId": 1,
        "alerts": [
            {
                "status": status,
                "labels": {
                    "alertname": "Checkout latency",
                    "grafana_folder": "Shop",
                    "component": "checkout",
                    "severity": "warning",
                },
                "annotations": {"summary": "p95 latency above 2 s"},
                "startsAt": "2026-11-27T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://grafana.example.org/alerting/grafana/abc/view",
                "fingerprint": "8e3a1f0c2b7d9e14",
                "silenceURL": "http://grafana.example.org/alerting/silence/new",
                "dashboardURL": "",
                "panelURL": "",
                "values": {"B": 2.4},
                "valueString": "[ var='B' labels={} value=2.4 ]",
            }
        ],
        "groupLabels": {"alertname": "Checkout latency"},
        "commonLabels": {"alertname": "Checkout latency"},
        "commonAnnotations": {},
        "externalURL": "http://grafana.example.org/",
        "version": "1",
        "groupKey": '{}:{alertname="Checkout latency"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] Checkout latency",
        "state": "alerting",
        "message": "**Firing**",
    }


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count(Incident.id))),
        db.session.scalar(select(func.count(IncidentUpdate.id))),
    )


def component(name: str) -> Component:
    db.session.rollback()
    return db.session.scalar(select(Component).where(Component.name == name))


def only_incident() -> Incident:
    db.session.rollback()
    (incident,) = db.session.scalars(select(Incident)).all()
    return incident


def atom_titles(client) -> list[str]:
    response = client.get("/history.atom")
    assert response.status_code == 200
    return [entry.title for entry in feedparser.parse(response.data).entries]


def test_an_alertmanager_alert_opens_an_incident_visitors_see(app, manager_api, make_component):
    """Does the real Alertmanager payload, sent with a manager's token, open an incident in
    investigating that the public page and the history feed show, with the component down?"""
    make_component("API")
    response = manager_api.post(ALERTMANAGER, json=firing())
    assert response.status_code == 200, response.data
    assert response.json == {
        "received": 1,
        "opened": 1,
        "joined": 0,
        "resolved": 0,
        "unchanged": 0,
        "unmapped": 0,
    }
    incident = only_incident()
    assert incident.name == "HighErrorRate: API"
    assert incident.status == "investigating"
    assert incident.impact == "critical"
    assert component("API").status == "major_outage"
    page = app.test_client().get("/").get_data(as_text=True)
    assert "HighErrorRate: API" in page
    assert "Major Outage" in page
    assert "Error rate above 5% on api" in app.test_client().get(
        f"/incidents/{incident.id}"
    ).get_data(as_text=True)
    assert "HighErrorRate: API" in atom_titles(app.test_client())[0]
    summary = app.test_client().get("/api/v2/summary.json").json
    assert summary["components"][0]["status"] == "major_outage"


def test_a_resolved_alert_restores_the_component_and_moves_to_monitoring(
    app, manager_api, make_component
):
    """When Alertmanager reports the alert resolved, is the component operational again and
    the incident in monitoring (a person resolves it), on the public page too?"""
    make_component("API")
    manager_api.post(ALERTMANAGER, json=firing())
    response = manager_api.post(ALERTMANAGER, json=resolved())
    assert response.status_code == 200, response.data
    assert response.json["resolved"] == 1
    assert component("API").status == "operational"
    incident = only_incident()
    assert incident.status == "monitoring"
    page = app.test_client().get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Monitoring" in page
    assert "Operational" in app.test_client().get("/").get_data(as_text=True)
    assert app.test_client().get("/api/v2/summary.json").json["components"][0]["status"] == (
        "operational"
    )


def test_a_resolved_alert_leaves_a_component_another_open_incident_holds(
    app, manager_api, make_component
):
    """When a person's incident still holds the component down, does the alert's
    resolution leave it as that incident set it, until that incident is resolved too?"""
    api = make_component("API")
    held = manager_api.post(
        "/api/v1/incidents",
        json={"name": "Database failover", "components": {api.code: "major_outage"}},
    )
    manager_api.post(ALERTMANAGER, json=firing())
    manager_api.post(ALERTMANAGER, json=resolved())
    assert component("API").status == "major_outage"
    summary = app.test_client().get("/api/v2/summary.json").json
    assert summary["components"][0]["status"] == "major_outage"
    done = manager_api.post(f"/api/v1/incidents/{held.json['id']}/resolve")
    assert done.status_code == 200, done.json
    assert component("API").status == "operational"


@pytest.mark.parametrize(
    ("starts", "counts_from"),
    [
        (lambda now: now - timedelta(minutes=20), "the alert"),
        (lambda now: now - timedelta(minutes=20, microseconds=1), "the alert"),  # nanoseconds
        (lambda now: now + timedelta(hours=1), "the delivery"),  # a sender's clock ahead
        (lambda now: now - timedelta(days=30), "the delivery"),  # implausibly old
        (lambda now: None, "the delivery"),
    ],
)
def test_an_incident_an_alert_opens_starts_when_the_alert_started(
    app, manager_api, make_component, starts, counts_from
):
    """Does the time to restore count from the fault (the alert's startsAt) rather than
    from when the delivery arrived, unless that start cannot be right?"""
    make_component("API")
    payload, now = firing(), utcnow()
    start = starts(now)
    if start is None:
        payload["alerts"][0]["startsAt"] = "0001-01-01T00:00:00Z"  # Alertmanager's "unset"
    else:
        payload["alerts"][0]["startsAt"] = start.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    assert manager_api.post(ALERTMANAGER, json=payload).status_code == 200
    started = only_incident().started_at
    if counts_from == "the alert":
        assert abs(started - start) < timedelta(milliseconds=1)
    else:
        assert now <= started <= utcnow()


def test_repeated_deliveries_change_nothing(app, manager_api, make_component):
    """Alertmanager resends a firing alert at every repeat_interval, and retries: does the
    same alert (same fingerprint) delivered again add no incident and no update?"""
    make_component("API")
    manager_api.post(ALERTMANAGER, json=firing())
    before = counts()
    again = manager_api.post(ALERTMANAGER, json=firing())
    assert again.status_code == 200
    assert again.json["unchanged"] == 1
    assert counts() == before
    manager_api.post(ALERTMANAGER, json=resolved())
    after_resolve = counts()
    assert manager_api.post(ALERTMANAGER, json=resolved()).json["unchanged"] == 1
    assert counts() == after_resolve
    assert only_incident().status == "monitoring"


def test_a_second_alert_joins_and_only_the_last_resolution_moves_to_monitoring(
    app, manager_api, make_component
):
    """With two instances alerting on the same component, is there one incident, which stays
    under investigation until both have resolved?"""
    make_component("API")
    payload = firing()
    second = copy.deepcopy(payload["alerts"][0])
    second["labels"]["instance"] = "api-2:8080"
    second["fingerprint"] = "d00dfeed00000002"
    manager_api.post(ALERTMANAGER, json=payload)
    joined = manager_api.post(ALERTMANAGER, json={**payload, "alerts": [second]})
    assert joined.json["joined"] == 1
    assert counts()[0] == 1
    manager_api.post(ALERTMANAGER, json=resolved())
    assert only_incident().status == "investigating"
    assert component("API").status == "major_outage"
    manager_api.post(ALERTMANAGER, json=resolved({**payload, "alerts": [second]}))
    assert only_incident().status == "monitoring"
    assert component("API").status == "operational"


def test_an_alert_firing_again_after_resolution_opens_a_new_incident(
    app, manager_api, make_component
):
    """Once a person has resolved the incident, does the same alert firing anew open a fresh
    incident rather than reopening the closed one?"""
    make_component("API")
    manager_api.post(ALERTMANAGER, json=firing())
    manager_api.post(ALERTMANAGER, json=resolved())
    incidents.post_update(only_incident(), status="resolved", message="Fixed.", actor="test")
    response = manager_api.post(ALERTMANAGER, json=firing())
    assert response.json["opened"] == 1
    assert counts()[0] == 2
    assert component("API").status == "major_outage"


def test_an_unmappable_alert_is_accepted_and_audited(app, manager_api, make_component):
    """Does an alert naming no component get a 2xx (so Alertmanager stops retrying), change
    nothing on the page, and leave an entry in the audit log saying why?"""
    make_component("API")
    payload = firing()
    payload["alerts"][0]["labels"] = {"alertname": "DiskFull", "instance": "db-1"}
    response = manager_api.post(ALERTMANAGER, json=payload)
    assert response.status_code == 200
    assert response.json["unmapped"] == 1
    assert counts() == (0, 0)
    assert component("API").status == "operational"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.unmapped"))
    assert event is not None
    assert event.details["alertname"] == "DiskFull"
    assert event.actor_label.startswith("API token")


def test_a_grafana_alert_works_the_same_way(app, manager_api, make_component):
    """Does Grafana's contact-point payload open the incident (warning → partial outage) and
    its resolution bring the component back, as Alertmanager's does?"""
    make_component("Checkout")
    response = manager_api.post(GRAFANA, json=grafana())
    assert response.status_code == 200, response.data
    assert response.json["opened"] == 1
    assert only_incident().name == "Checkout latency: Checkout"
    assert component("Checkout").status == "partial_outage"
    assert "Checkout latency: Checkout" in app.test_client().get("/").get_data(as_text=True)
    assert manager_api.post(GRAFANA, json=grafana()).json["unchanged"] == 1
    manager_api.post(GRAFANA, json=grafana("resolved"))
    assert component("Checkout").status == "operational"
    assert only_incident().status == "monitoring"


@pytest.mark.parametrize("url", [ALERTMANAGER, GRAFANA])
def test_no_token_is_refused(app, url, make_component):
    """Is a webhook without a token (or with a wrong one) refused with 401, changing nothing?"""
    make_component("API")
    for secret in (None, "not-a-token"):
        response = Api(app.test_client(), secret).post(url, json=firing())
        assert response.status_code == 401
        assert error_of(response)["code"] == 401
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "alerts"),
        ({"alerts": "x"}, "alerts"),
        ({"alerts": [1]}, "alerts[0]"),
        ({"alerts": [{"status": "burning", "labels": {}}]}, "alerts[0].status"),
        ({"alerts": [{"status": "firing", "labels": {"a": 1}}]}, "alerts[0].labels.a"),
        ({"alerts": [{"status": "firing", "labels": []}]}, "alerts[0].labels"),
        ({"alerts": [{"status": "firing", "labels": {}, "fingerprint": "a b"}]}, None),
    ],
)
def test_a_malformed_payload_is_a_clear_4xx(app, manager_api, make_component, body, field):
    """Is a body that is not an alert webhook refused with a 422 naming the field, and is
    nothing written?"""
    make_component("API")
    response = manager_api.post(ALERTMANAGER, json=body)
    assert response.status_code == 422
    error = error_of(response)
    if field:
        assert field in error["fields"]
    assert counts() == (0, 0)
    assert db.session.scalar(select(func.count(AlertLink.id))) == 0


def test_bad_json_and_wrong_content_type_are_refused(app, manager_api):
    """Are broken JSON and a non-JSON content type refused in the API's error shape?"""
    broken = manager_api.post(
        ALERTMANAGER, data=b'{"alerts": [', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert "not valid JSON" in error_of(broken)["message"]
    deep = manager_api.post(
        ALERTMANAGER, data=b"[" * 5000 + b"]" * 5000, headers={"Content-Type": "application/json"}
    )
    assert deep.status_code == 400
    assert "levels deep" in error_of(deep)["message"]
    form = manager_api.post(ALERTMANAGER, data=b"alerts=1", content_type="text/plain")
    assert form.status_code == 415
    error_of(form)


def test_an_admin_finds_unmapped_alerts_in_the_audit_log(app, manager_api, as_admin):
    """When alerts arrive that name no component, can an admin filter the audit log to the
    monitoring alerts and see which alert it was and which token sent it?"""
    payload = firing()
    payload["alerts"][0]["labels"] = {"alertname": "DiskFull", "instance": "db-1"}
    assert manager_api.post(ALERTMANAGER, json=payload).status_code == 200
    page = as_admin.get("/admin/audit?action=alert")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Monitoring alerts" in html
    assert "alert.unmapped" in html
    assert "DiskFull" in html
    assert "manager script" in html


def test_an_admin_rule_maps_alerts_by_any_label(app, manager_api, as_admin, make_component):
    """When I add a rule "team = payments → Checkout, major outage", does an alert with that
    label (and no component label) take Checkout down, whatever its severity says?"""
    checkout = make_component("Checkout")
    page = as_admin.get("/admin/alert-rules")
    assert page.status_code == 200
    assert "No rules yet" in page.get_data(as_text=True)
    added = as_admin.post(
        "/admin/alert-rules/new",
        {
            "label": "team",
            "value": "Payments",
            "component_id": str(checkout.id),
            "status": "major_outage",
        },
    )
    assert added.status_code == 302
    payload = firing()
    payload["alerts"][0]["labels"] = {
        "alertname": "QueueBacklog",
        "team": "payments",
        "severity": "warning",
    }
    response = manager_api.post(ALERTMANAGER, json=payload)
    assert response.json["opened"] == 1
    assert component("Checkout").status == "major_outage"
    assert only_incident().name == "QueueBacklog: Checkout"
    html = as_admin.get("/admin/alert-rules").get_data(as_text=True)
    assert "Payments" in html and "Major Outage" in html


def test_a_bad_rule_is_refused_and_rules_are_admins_only(as_admin, as_manager, make_component):
    """Is a rule without a label or for a missing component refused with the reason, and
    can a manager neither see nor change the rules?"""
    api = make_component("API")
    empty = as_admin.post(
        "/admin/alert-rules/new", {"label": "", "value": "x", "component_id": str(api.id)}
    )
    assert empty.status_code == 400
    assert "Name the alert label" in empty.get_data(as_text=True)
    missing = as_admin.post(
        "/admin/alert-rules/new", {"label": "job", "value": "x", "component_id": "9" * 20}
    )
    assert missing.status_code == 400
    assert "No such component" in missing.get_data(as_text=True)
    assert as_manager.get("/admin/alert-rules").status_code == 403
    assert (
        as_manager.post(
            "/admin/alert-rules/new", {"label": "job", "value": "x", "component_id": str(api.id)}
        ).status_code
        == 403
    )
    db.session.rollback()
    assert db.session.scalar(select(func.count(AlertRule.id))) == 0


def test_deleting_a_rule_returns_alerts_to_the_default_mapping(as_admin, make_component):
    """After I delete a rule, is it gone from the list and from the mapping?"""
    api = make_component("API")
    as_admin.post(
        "/admin/alert-rules/new",
        {"label": "job", "value": "api", "component_id": str(api.id), "status": ""},
    )
    db.session.rollback()
    rule = db.session.scalar(select(AlertRule))
    assert rule.status is None
    assert as_admin.post(f"/admin/alert-rules/{rule.id}/delete", {}).status_code == 302
    assert as_admin.post(f"/admin/alert-rules/{rule.id}/delete", {}).status_code in (400, 404)
    db.session.rollback()
    assert db.session.scalar(select(func.count(AlertRule.id))) == 0


def test_a_resolution_follows_its_alert_even_after_the_rule_is_gone(
    app, manager_api, as_admin, make_component
):
    """If I delete the rule that mapped a firing alert, does its resolution still bring
    the component back rather than being dropped as unmapped?"""
    checkout = make_component("Checkout")
    as_admin.post(
        "/admin/alert-rules/new",
        {"label": "team", "value": "payments", "component_id": str(checkout.id)},
    )
    payload = firing()
    payload["alerts"][0]["labels"] = {"alertname": "QueueBacklog", "team": "payments"}
    assert manager_api.post(ALERTMANAGER, json=payload).json["opened"] == 1
    assert component("Checkout").status == "degraded_performance"
    rule = db.session.scalar(select(AlertRule))
    as_admin.post(f"/admin/alert-rules/{rule.id}/delete", {})
    assert manager_api.post(ALERTMANAGER, json=resolved(payload)).json["resolved"] == 1
    assert component("Checkout").status == "operational"
    assert only_incident().status == "monitoring"
