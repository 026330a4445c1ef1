"""The Statuspage public API v2: can a client written for Statuspage read Herald unchanged?"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy import event

from app.extensions import db
from app.services import component_groups, components, incidents, maintenance
from app.services.page import get_settings
from tests.conftest import ROOT

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SCHEMA = json.loads((ROOT / "app/api/schema/statuspage-v2.json").read_text())
# A real githubstatus.com response (31 Dec 2022), copied from the project's reference data.
SAMPLE = json.loads((ROOT / "tests/fixtures/statuspage-incident-sample.json").read_text())
REGISTRY = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{SCHEMA['$id']}#/$defs/{definition}"}, registry=REGISTRY)


def get_json(client, path: str, status: int = 200) -> dict:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def world(app):
    """A page with a group of two, one ungrouped component, an open incident with
    component changes, a resolved one, and maintenance both upcoming and in progress."""
    core = component_groups.create_group(name="Core", actor="test")
    api = components.create_component(name="API", group_id=core.id, actor="test", now=at(0))
    web = components.create_component(
        name="Website", description="The dashboard", group_id=core.id, actor="test", now=at(0)
    )
    cdn = components.create_component(name="CDN", actor="test", now=at(0))
    old = incidents.open_incident(
        name="Slow logins",
        impact="minor",
        message="Looking into slow logins.",
        components={web.id: "degraded_performance"},
        actor="test",
        now=at(10),
    )
    incidents.post_update(
        old,
        status="resolved",
        message="Fixed.",
        restore_components=True,
        actor="test",
        now=at(40),
    )
    active = incidents.open_incident(
        name="API errors",
        impact="major",
        message="Elevated error rates.",
        components={api.id: "partial_outage"},
        actor="test",
        now=at(60),
    )
    incidents.post_update(
        active, status="monitoring", message="A fix is out.", actor="test", now=at(70)
    )
    upcoming = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="We will upgrade the database.",
        scheduled_for=at(24 * 60),
        scheduled_until=at(25 * 60),
        component_ids=[api.id],
        actor="test",
        now=at(0),
    )
    running = maintenance.schedule_maintenance(
        name="CDN migration",
        message="Moving CDN providers.",
        scheduled_for=at(80),
        scheduled_until=at(200),
        component_ids=[cdn.id],
        actor="test",
        now=at(0),
    )
    maintenance.tick(now=at(90))
    return {
        "core": core,
        "api": api,
        "web": web,
        "cdn": cdn,
        "resolved": old,
        "active": active,
        "upcoming": upcoming,
        "running": running,
    }


DOCUMENTS = {
    "/api/v2/summary.json": "summary",
    "/api/v2/status.json": "status_document",
    "/api/v2/components.json": "components_document",
    "/api/v2/incidents.json": "incidents_document",
    "/api/v2/incidents/unresolved.json": "incidents_document",
    "/api/v2/scheduled-maintenances.json": "scheduled_maintenances_document",
    "/api/v2/scheduled-maintenances/upcoming.json": "scheduled_maintenances_document",
    "/api/v2/scheduled-maintenances/active.json": "scheduled_maintenances_document",
}


def test_the_schema_is_valid_json_schema():
    """Is the published schema itself a valid draft 2020-12 schema?"""
    Draft202012Validator.check_schema(SCHEMA)


def test_a_real_statuspage_incident_matches_the_incident_schema():
    """Does the schema describe what Statuspage really sends (so ours matches it)?"""
    validator("incident_document").validate(SAMPLE)


@pytest.mark.parametrize("path", sorted(DOCUMENTS))
def test_every_document_matches_its_schema(client, world, path):
    """Does each endpoint, with data present, send exactly the documented shape?"""
    document = get_json(client, path)
    validator(DOCUMENTS[path]).validate(document)
    assert document["page"]["id"] == get_settings().code


@pytest.mark.parametrize("which", ["active", "resolved", "upcoming", "running"])
def test_one_incident_by_id_matches_the_schema(client, world, which):
    """Does /incidents/<id>.json serve incidents and maintenance in the documented shape?"""
    item = world[which]
    document = get_json(client, f"/api/v2/incidents/{item.id}.json")
    validator("incident_document").validate(document)
    assert document["incident"]["id"] == str(item.id)


def test_an_incident_has_the_keys_of_the_real_sample(client, world):
    """Key for key and null for null, does our incident look like Statuspage's?"""
    document = get_json(client, f"/api/v2/incidents/{world['resolved'].id}.json")
    ours, theirs = document["incident"], SAMPLE["incident"]
    assert list(document) == list(SAMPLE)
    assert list(document["page"]) == list(SAMPLE["page"])
    assert list(ours) == list(theirs)
    assert list(ours["incident_updates"][0]) == list(theirs["incident_updates"][0])
    assert list(ours["components"][0]) == list(theirs["components"][0])
    assert ours["monitoring_at"] is None
    assert ours["status"] == "resolved"
    assert ours["resolved_at"] == "2024-05-01T12:40:00.000Z"
    assert ours["shortlink"] == f"http://127.0.0.1:5000/incidents/{world['resolved'].id}"
    for update in ours["incident_updates"]:
        assert update["custom_tweet"] is None and update["tweet_id"] is None
        assert update["incident_id"] == ours["id"]


def test_updates_are_newest_first_with_their_component_changes(client, world):
    """Does each update list the component changes it made, and null when it made none?"""
    document = get_json(client, f"/api/v2/incidents/{world['active'].id}.json")
    monitoring, opened = document["incident"]["incident_updates"]
    assert [monitoring["status"], opened["status"]] == ["monitoring", "investigating"]
    assert monitoring["affected_components"] is None
    assert opened["affected_components"] == [
        {
            "code": world["api"].code,
            "name": "API",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert document["incident"]["monitoring_at"] == "2024-05-01T13:10:00.000Z"
    [affected] = document["incident"]["components"]
    assert affected["id"] == world["api"].code
    assert affected["status"] == "partial_outage"
    assert affected["group_id"] == world["core"].code


def test_times_are_utc_with_milliseconds(client, world):
    """Are all times ISO 8601 with milliseconds and Z, never naive?"""
    document = get_json(client, f"/api/v2/incidents/{world['upcoming'].id}.json")
    incident = document["incident"]
    assert incident["scheduled_for"] == "2024-05-02T12:00:00.000Z"
    assert incident["scheduled_until"] == "2024-05-02T13:00:00.000Z"
    assert incident["started_at"] == incident["scheduled_for"]
    for key in ("created_at", "updated_at"):
        assert incident[key] == "2024-05-01T12:00:00.000Z"
    stamp = Draft202012Validator({"type": "string", "pattern": TIMESTAMP})
    stamp.validate(document["page"]["updated_at"])


def test_components_are_listed_with_their_groups(client, world):
    """Does a group come first with its children's codes and worst status, then the children?"""
    listed = get_json(client, "/api/v2/components.json")["components"]
    assert [c["name"] for c in listed] == ["Core", "API", "Website", "CDN"]
    group, api, web, cdn = listed
    assert group["group"] is True
    assert group["components"] == [world["api"].code, world["web"].code]
    assert group["status"] == "partial_outage"
    assert api["group_id"] == web["group_id"] == world["core"].code
    assert cdn["group_id"] is None and cdn["status"] == "under_maintenance"
    assert api["description"] is None and web["description"] == "The dashboard"
    assert api["start_date"] == "2024-05-01"
    assert "components" not in api


def test_the_page_names_its_public_url(client, other_app):
    """Is page.url the site's public address (SITE_URL), and the shortlinks under it?"""
    assert get_json(client, "/api/v2/status.json")["page"]["url"] == "http://127.0.0.1:5000"
    from app.services.page import update_settings

    update_settings(
        name="Acme Status",
        logo_url=None,
        accent_color="#1f6feb",
        support_url=None,
        time_zone="Europe/Paris",
        actor="test",
    )
    site = other_app(SITE_URL="https://status.acme.test/")
    page = get_json(site.test_client(), "/api/v2/status.json")["page"]
    assert page["url"] == "https://status.acme.test"
    assert page["name"] == "Acme Status" and page["time_zone"] == "Europe/Paris"


def _indicator(client) -> tuple[str, str]:
    status = get_json(client, "/api/v2/status.json")["status"]
    summary = get_json(client, "/api/v2/summary.json")["status"]
    assert status == summary
    return status["indicator"], status["description"]


def test_all_operational(client, make_component):
    """With every component up and nothing open, is the page 'none'?"""
    make_component("API")
    assert _indicator(client) == ("none", "All Systems Operational")


def test_a_degraded_component_is_minor(client, make_component):
    """Does one degraded component alone make the page 'minor'?"""
    make_component("API", status="degraded_performance")
    assert _indicator(client) == ("minor", "Minor Service Outage")


def test_the_worst_open_incident_sets_the_indicator(client, make_component):
    """Does a critical incident make the page critical even with components up?"""
    make_component("API")
    incidents.open_incident(name="Down", impact="critical", message="All down.", actor="test")
    assert _indicator(client) == ("critical", "Major System Outage")


def test_maintenance_alone_is_maintenance(client, make_component):
    """With only maintenance in progress, is the indicator 'maintenance'?"""
    api = make_component("API")
    maintenance.schedule_maintenance(
        name="Upgrade",
        message="Upgrading.",
        scheduled_for=at(10),
        scheduled_until=at(60),
        component_ids=[api.id],
        actor="test",
        now=at(0),
    )
    assert _indicator(client) == ("none", "All Systems Operational")
    maintenance.tick(now=at(15))
    assert _indicator(client) == ("maintenance", "Service Under Maintenance")
    incidents.open_incident(name="Odd", impact="minor", message="Hmm.", actor="test")
    assert _indicator(client)[0] == "minor"


def test_unresolved_excludes_resolved_incidents(client, world):
    """Does unresolved.json list only open incidents, while incidents.json lists both?"""
    unresolved = get_json(client, "/api/v2/incidents/unresolved.json")["incidents"]
    assert [i["id"] for i in unresolved] == [str(world["active"].id)]
    everything = get_json(client, "/api/v2/incidents.json")["incidents"]
    assert [i["id"] for i in everything] == [str(world["active"].id), str(world["resolved"].id)]
    summary = get_json(client, "/api/v2/summary.json")
    assert [i["id"] for i in summary["incidents"]] == [str(world["active"].id)]


def test_incidents_json_lists_the_latest_fifty(client, app):
    """Does incidents.json stop at the 50 newest, newest first?"""
    opened = [
        incidents.open_incident(
            name=f"Blip {n}", impact="none", message="Blip.", actor="test", now=at(n)
        ).id
        for n in range(52)
    ]
    listed = get_json(client, "/api/v2/incidents.json")["incidents"]
    assert [i["id"] for i in listed] == [str(i) for i in reversed(opened[2:])]


def test_upcoming_and_active_maintenance_are_told_apart(client, world):
    """Is scheduled maintenance 'upcoming', started maintenance 'active', and both in summary?"""
    upcoming = get_json(client, "/api/v2/scheduled-maintenances/upcoming.json")
    active = get_json(client, "/api/v2/scheduled-maintenances/active.json")
    everything = get_json(client, "/api/v2/scheduled-maintenances.json")
    summary = get_json(client, "/api/v2/summary.json")
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [str(world["upcoming"].id)]
    assert [m["id"] for m in active["scheduled_maintenances"]] == [str(world["running"].id)]
    assert [m["status"] for m in active["scheduled_maintenances"]] == ["in_progress"]
    assert {m["id"] for m in everything["scheduled_maintenances"]} == {
        str(world["upcoming"].id),
        str(world["running"].id),
    }
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [
        str(world["running"].id),
        str(world["upcoming"].id),
    ]
    assert {m["impact"] for m in everything["scheduled_maintenances"]} == {"maintenance"}
    listed = get_json(client, "/api/v2/incidents.json")["incidents"]
    assert all("scheduled_for" not in i for i in listed)


def test_completed_maintenance_leaves_active_and_upcoming(client, world):
    """Once its window ends, is maintenance gone from active.json and summary.json?"""
    maintenance.tick(now=at(300))
    active = get_json(client, "/api/v2/scheduled-maintenances/active.json")
    assert active["scheduled_maintenances"] == []
    summary = get_json(client, "/api/v2/summary.json")
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [str(world["upcoming"].id)]
    done = get_json(client, f"/api/v2/incidents/{world['running'].id}.json")["incident"]
    assert done["status"] == "completed"
    assert done["resolved_at"] == "2024-05-01T17:00:00.000Z"


def test_a_deleted_component_leaves_the_incident_but_not_its_history(client, world):
    """After a component is deleted, does the incident still name it in its updates?"""
    components.delete_component(world["api"], actor="test")
    document = get_json(client, f"/api/v2/incidents/{world['active'].id}.json")["incident"]
    assert document["components"] == []
    assert document["incident_updates"][-1]["affected_components"][0]["name"] == "API"
    validator("incident_document").validate(
        get_json(client, f"/api/v2/incidents/{world['active'].id}.json")
    )


@pytest.mark.parametrize("path", [*sorted(DOCUMENTS), "/api/v2/incidents/1.json"])
def test_any_origin_may_read_every_document(client, world, path):
    """Do widgets on other sites get CORS on 200s and 304s, without credentials?"""
    path = path.replace("/1.json", f"/{world['active'].id}.json")
    first = client.get(path, headers={"Origin": "https://widget.example"})
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in first.headers
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_is_answered(client):
    """Does an OPTIONS preflight get the CORS answer?"""
    response = client.options(
        "/api/v2/summary.json",
        headers={
            "Origin": "https://widget.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "incident_id", ["999999", "abc", "0", "007", "-1", "1e3", "99999999999999999999", "١"]
)
def test_unknown_incident_ids_are_json_404s(client, world, incident_id):
    """Does a wrong id get a JSON 404 (with CORS), never a 500?"""
    response = client.get(f"/api/v2/incidents/{incident_id}.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_paths_are_json_404s_with_cors(client):
    """Does a mistyped v2 URL answer in JSON, readable cross-origin?"""
    response = client.get("/api/v2/nothing.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_head_works(client, world):
    """Does HEAD answer like GET, without a body?"""
    response = client.head("/api/v2/summary.json")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.head("/api/v2/incidents/999999.json").status_code == 404


def test_a_status_change_shows_on_the_very_next_request(client, world):
    """After a manager changes a status, does the next summary.json show it?"""
    before = client.get("/api/v2/summary.json")
    cdn = [c for c in before.get_json()["components"] if c["name"] == "CDN"][0]
    assert cdn["status"] == "under_maintenance"
    components.set_status(world["cdn"], "major_outage", actor="test", now=at(95))
    after = client.get("/api/v2/summary.json", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    cdn = [c for c in after.get_json()["components"] if c["name"] == "CDN"][0]
    assert cdn["status"] == "major_outage"
    assert after.get_json()["status"]["indicator"] == "critical"


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _open_with_changes(component, n: int) -> None:
    incident = incidents.open_incident(
        name=f"Incident {n}",
        impact="minor",
        message="Investigating.",
        components={component.id: "degraded_performance"},
        actor="test",
        now=at(n * 10),
    )
    incidents.post_update(
        incident,
        status="resolved",
        message="Resolved.",
        restore_components=True,
        actor="test",
        now=at(n * 10 + 5),
    )


def test_incidents_json_costs_the_same_queries_however_many_incidents(client, make_component):
    """Is there no N+1: do 12 incidents cost as many queries as 2?"""
    api = make_component("API")
    for n in range(2):
        _open_with_changes(api, n)
    db.session.expire_all()
    with counting_queries() as few:
        get_json(client, "/api/v2/incidents.json")
    for n in range(2, 12):
        _open_with_changes(api, n)
    db.session.expire_all()
    with counting_queries() as many:
        document = get_json(client, "/api/v2/incidents.json")
    assert len(document["incidents"]) == 12
    assert len(many) == len(few)
