"""Incidents and maintenance through the API, driven the way Statuspage clients drive it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Incident, Notification, utcnow
from app.services import maintenance
from tests.integration.api.v1.conftest import Api, error_of


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_statuspage_client_opens_updates_and_resolves_an_incident(
    app, make_token, make_component
):
    """Does a script written for Statuspage (OAuth header, wrapped bodies, page id in the
    path) open, update and resolve an incident, with the public API showing each step?"""
    api = Api(app.test_client(), make_token("manager"), scheme="OAuth")
    summary = api.client.get("/api/v2/summary.json").json
    page = summary["page"]["id"]
    web = make_component("Web")
    base = f"/api/v1/pages/{page}"
    created = api.post(
        f"{base}/incidents",
        json={
            "incident": {
                "name": "Checkout failing",
                "status": "investigating",
                "body": "Payments time out.",
                "components": {web.code: "major_outage"},
                "component_ids": [web.code],
                "deliver_notifications": True,
            }
        },
    )
    assert created.status_code == 201, created.json
    incident_id = created.json["id"]
    assert created.json["impact"] == "critical"
    summary = api.client.get("/api/v2/summary.json").json
    assert [i["id"] for i in summary["incidents"]] == [incident_id]
    assert summary["components"][0]["status"] == "major_outage"

    update = api.patch(
        f"{base}/incidents/{incident_id}",
        json={
            "incident": {
                "status": "monitoring",
                "body": "Fix deployed.",
                "components": {web.code: "degraded_performance"},
            }
        },
    )
    assert update.status_code == 200, update.json
    assert update.json["status"] == "monitoring"
    assert update.json["incident_updates"][0]["body"] == "Fix deployed."

    resolved = api.patch(
        f"{base}/incidents/{incident_id}", json={"incident": {"status": "resolved"}}
    )
    assert resolved.json["status"] == "resolved" and resolved.json["resolved_at"]
    summary = api.client.get("/api/v2/summary.json").json
    assert summary["incidents"] == []
    assert summary["status"]["indicator"] == "minor"  # Web is still degraded: nobody said otherwise
    listed = api.get(f"{base}/incidents?status=resolved").json
    assert [i["id"] for i in listed] == [incident_id]
    writes = db.session.scalars(
        select(AuditEvent.actor_label).where(AuditEvent.action.like("incident.%"))
    ).all()
    assert writes and all(label.startswith("API token") for label in writes)


def test_resolving_one_of_two_incidents_leaves_their_component_down(admin_api, make_component):
    """Two incidents on one component: does resolving the first leave it as the second set
    it, and resolving the second bring it back to operational?"""
    api_component = make_component("API")
    first, second = (
        admin_api.post(
            "/api/v1/incidents",
            json={"name": name, "components": {api_component.code: status}},
        ).json["id"]
        for name, status in (("Slow", "degraded_performance"), ("Down", "major_outage"))
    )
    status_now = f"/api/v1/components/{api_component.code}"
    admin_api.post(f"/api/v1/incidents/{first}/resolve")
    assert admin_api.get(status_now).json["status"] == "major_outage"
    admin_api.post(f"/api/v1/incidents/{second}/resolve")
    assert admin_api.get(status_now).json["status"] == "operational"


def test_resolve_returns_components_and_the_postmortem_follows(admin_api, make_component):
    """Does /resolve restore the components, and can the postmortem be drafted and published?"""
    api_component = make_component("API")
    created = admin_api.post(
        "/api/v1/incidents",
        json={
            "name": "Slow",
            "body": "Slow.",
            "components": {api_component.code: "partial_outage"},
        },
    )
    incident_id = created.json["id"]
    early = admin_api.put(f"/api/v1/incidents/{incident_id}/postmortem", json={"body_draft": "x"})
    assert early.status_code == 422 and "Resolve" in error_of(early)["message"]
    resolved = admin_api.post(f"/api/v1/incidents/{incident_id}/resolve")
    assert resolved.status_code == 200, resolved.json
    assert admin_api.get(f"/api/v1/components/{api_component.code}").json["status"] == "operational"
    notices = db.session.scalar(select(func.count(Notification.id)))
    again = admin_api.post(f"/api/v1/incidents/{incident_id}/resolve")  # a script's retry
    assert again.status_code == 409 and "already resolved" in error_of(again)["message"]
    assert len(admin_api.get(f"/api/v1/incidents/{incident_id}").json["incident_updates"]) == 2
    assert db.session.scalar(select(func.count(Notification.id))) == notices  # nobody told twice
    draft = admin_api.put(
        f"/api/v1/incidents/{incident_id}/postmortem",
        json={"postmortem": {"body_draft": "What happened."}},
    )
    assert draft.json == {**draft.json, "body": "What happened.", "published": False}
    published = admin_api.put(f"/api/v1/incidents/{incident_id}/postmortem/publish", json={})
    assert published.json["published"] is True
    reverted = admin_api.put(f"/api/v1/incidents/{incident_id}/postmortem/revert")
    assert reverted.json["published"] is False


def test_an_update_is_posted_and_edited(admin_api):
    """Can a script post an update and correct its text later, the old text kept?"""
    incident_id = admin_api.post("/api/v1/incidents", json={"name": "X", "body": "First."}).json[
        "id"
    ]
    posted = admin_api.post(
        f"/api/v1/incidents/{incident_id}/incident_updates",
        json={"incident_update": {"status": "identified", "body": "Found it."}},
    )
    assert posted.status_code == 201
    update_id = posted.json["incident_updates"][0]["id"]
    edited = admin_api.patch(
        f"/api/v1/incidents/{incident_id}/incident_updates/{update_id}", json={"body": "Found it!"}
    )
    assert edited.json["incident_updates"][0]["body"] == "Found it!"
    back = admin_api.patch(f"/api/v1/incidents/{incident_id}", json={"status": "investigating"})
    assert back.status_code == 422 and "status" in error_of(back)["fields"]


def test_a_refused_change_changes_nothing(admin_api):
    """When one part of a PATCH is refused, is the rest (a new name) left unsaved too?"""
    incident_id = admin_api.post(
        "/api/v1/incidents", json={"name": "Old", "status": "monitoring", "body": "b"}
    ).json["id"]
    response = admin_api.patch(
        f"/api/v1/incidents/{incident_id}", json={"name": "New", "status": "investigating"}
    )
    assert response.status_code == 422
    assert admin_api.get(f"/api/v1/incidents/{incident_id}").json["name"] == "Old"


def test_unknown_components_are_refused_before_anything_is_written(admin_api):
    """Does an incident naming an unknown component create nothing?"""
    response = admin_api.post(
        "/api/v1/incidents", json={"name": "X", "components": {"nosuchthing": "major_outage"}}
    )
    assert response.status_code == 422 and "components" in error_of(response)["fields"]
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_maintenance_is_scheduled_changed_and_cancelled(admin_api, make_component):
    """Can a script schedule maintenance, move it, and cancel it once started?"""
    db_component = make_component("Database")
    starts = utcnow() + timedelta(hours=1)
    created = admin_api.post(
        "/api/v1/incidents",
        json={
            "incident": {
                "name": "Upgrade",
                "status": "scheduled",
                "scheduled_for": _iso(starts),
                "scheduled_until": _iso(starts + timedelta(hours=1)),
                "component_ids": [db_component.code],
            }
        },
    )
    assert created.status_code == 201, created.json
    maintenance_id = created.json["id"]
    assert created.json["scheduled_for"] and created.json["status"] == "scheduled"
    upcoming = admin_api.get("/api/v1/incidents/upcoming").json
    assert [m["id"] for m in upcoming] == [maintenance_id]
    later = starts + timedelta(days=1)
    moved = admin_api.patch(
        f"/api/v1/incidents/{maintenance_id}",
        json={"scheduled_for": _iso(later), "scheduled_until": _iso(later + timedelta(hours=2))},
    )
    assert moved.status_code == 200 and moved.json["scheduled_for"].startswith(
        later.strftime("%Y-%m-%dT%H")
    )
    maintenance.tick(now=later + timedelta(minutes=1))
    assert (
        admin_api.get(f"/api/v1/components/{db_component.code}").json["status"]
        == "under_maintenance"
    )
    cancelled = admin_api.post(f"/api/v1/incidents/{maintenance_id}/cancel")
    assert cancelled.json["status"] == "completed"
    # The tick ran at a time still to come, so its update sorts first here.
    assert any("cancelled" in u["body"] for u in cancelled.json["incident_updates"])
    assert admin_api.get(f"/api/v1/components/{db_component.code}").json["status"] == "operational"


def test_bad_maintenance_bodies_are_refused(admin_api):
    """Are a schedule without an end, a naive time and an end before the start refused?"""
    start = utcnow() + timedelta(hours=1)
    cases = [
        {"name": "M", "scheduled_for": _iso(start)},
        {"name": "M", "scheduled_for": "2030-01-01T10:00:00", "scheduled_until": _iso(start)},
        {
            "name": "M",
            "scheduled_for": _iso(start),
            "scheduled_until": _iso(start - timedelta(hours=2)),
        },
        {"name": "M", "scheduled_for": "tomorrow", "scheduled_until": _iso(start)},
    ]
    for body in cases:
        response = admin_api.post("/api/v1/incidents", json=body)
        assert response.status_code == 422, (body, response.json)
        assert error_of(response)["fields"], body
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_list_filters_are_checked(admin_api):
    """Do the list filters refuse values they do not know with a 400?"""
    for query in ("status=exploded", "limit=0", "limit=abc", "page=-1", "kind=x", "q=" + "x" * 300):
        response = admin_api.get(f"/api/v1/incidents?{query}")
        assert response.status_code == 400, query
        error_of(response)


def test_deliver_notifications_is_kept_on_the_update(admin_api):
    """When a script says not to notify, does the update carry that, as Statuspage's does?"""
    created = admin_api.post(
        "/api/v1/incidents", json={"name": "Quiet", "body": "b", "deliver_notifications": False}
    )
    assert created.json["incident_updates"][0]["deliver_notifications"] is False
    loud = admin_api.patch(f"/api/v1/incidents/{created.json['id']}", json={"body": "more"})
    assert loud.json["incident_updates"][0]["deliver_notifications"] is True
    assert loud.json["status"] == "investigating"
