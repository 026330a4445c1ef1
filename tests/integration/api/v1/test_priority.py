"""ITIL classification through /api/v1 — and nowhere public: not /api/v2, the pages, the
feeds or the static mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.cache import version as cache_version
from app.extensions import db
from app.mirror.publish import publish
from app.models import AuditEvent
from app.services import incidents, priority
from tests.integration.api.v1.conftest import error_of

OWNER = "owner.internal@example.com"
# Words only the classification puts on a page: none may show publicly.
INTERNAL = ("internal_impact", "urgency", "priority", "owner", OWNER, "extensive", "P1", "p1")


def test_a_script_classifies_an_incident_and_reads_it_back(admin_api, make_user):
    """Can a script open an incident as extensive × critical with an owner, get P1 back,
    then lower the urgency with a PATCH and see the priority follow?"""
    make_user(OWNER)
    created = admin_api.post(
        "/api/v1/incidents",
        json={
            "incident": {
                "name": "Checkout failing",
                "internal_impact": "extensive",
                "urgency": "critical",
                "owner_email": OWNER,
            }
        },
    )
    assert created.status_code == 201, created.json
    assert created.json["priority"] == "p1"
    assert created.json["owner_email"] == OWNER
    changed = admin_api.patch(
        f"/api/v1/incidents/{created.json['id']}", json={"urgency": "low", "owner_email": None}
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["urgency"], changed.json["priority"]) == ("low", "p3")
    assert changed.json["owner_email"] is None
    listed = admin_api.get("/api/v1/incidents").json
    assert listed[0]["priority"] == "p3"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.classify")
    ).all()
    assert events[0].details == {"urgency": "low", "priority": "p3", "owner_id": None}


def test_bad_classification_values_are_422_and_write_nothing(admin_api):
    """Does an unknown urgency or owner come back as a 422 naming the field, opening nothing?"""
    refused = admin_api.post("/api/v1/incidents", json={"name": "X", "urgency": "asap"})
    assert refused.status_code == 422
    assert "urgency" in error_of(refused)["fields"]
    nobody = admin_api.post("/api/v1/incidents", json={"name": "X", "owner_email": "no@x.org"})
    assert nobody.status_code == 422, nobody.json
    assert admin_api.get("/api/v1/incidents").json == []


def test_maintenance_takes_no_classification(admin_api):
    """Is an urgency on a maintenance window refused rather than silently dropped?"""
    refused = admin_api.post(
        "/api/v1/incidents",
        json={
            "name": "Upgrade",
            "scheduled_for": "2030-01-01T10:00:00Z",
            "scheduled_until": "2030-01-01T11:00:00Z",
            "urgency": "high",
        },
    )
    assert refused.status_code == 422
    assert error_of(refused)["fields"] == {"urgency": "Only for incidents."}


@pytest.fixture
def classified(app, make_user, make_component):
    """An incident classified P1 with an owner, open, and another resolved."""
    owner = make_user(OWNER)
    api = make_component("API")
    for name, resolve in (("Open outage", False), ("Past outage", True)):
        opened = incidents.open_incident(
            name=name,
            impact="major",
            message="Looking into it.",
            components={api.id: "major_outage"},
            actor="test",
            internal_impact="extensive",
            urgency="critical",
            owner_id=owner.id,
        )
        if resolve:
            incidents.post_update(
                opened, status="resolved", message="Fixed.", restore_components=True, actor="test"
            )
    assert opened.priority == "p1"
    return app


def _public_paths(app) -> list[str]:
    paths = ["/", "/history", "/uptime", "/history.atom", "/history.rss"]
    paths += ["/embed/frame", "/badge.svg", "/embed/script.js"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v2/"):
            paths += [rule.rule.replace("<incident_id>", str(i)) for i in (1, 2)]
    paths += [f"/incidents/{i}" for i in (1, 2)]
    return paths


def test_the_classification_never_shows_publicly(classified, monkeypatch, tmp_path):
    """Do the public pages, feeds, /api/v2 and the static mirror keep the internal impact,
    urgency, priority and owner to themselves?"""
    monkeypatch.setattr(cache_version, "CLOCK_BUCKET_SECONDS", 10**9)
    client = classified.test_client()
    leaks = []
    for path in _public_paths(classified):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        leaks += [f"{path}: {word}" for word in INTERNAL if word in body]
    mirror = tmp_path / "mirror"
    publish(classified, mirror)
    for file in Path(mirror).rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml", ".atom", ".rss", ""):
            body = file.read_text("utf-8", errors="replace")
            leaks += [f"mirror {file.name}: {word}" for word in INTERNAL if word in body]
    assert leaks == []
    assert priority.matrix()  # the classification exists; only the public side lacks it
