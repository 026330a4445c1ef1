"""The banner a visitor reads first, and which incidents the public side lists."""

from __future__ import annotations

import pytest

from app.services import incidents, maintenance, status
from app.services.status import page_status
from tests.unit.services.helpers import at

OK = "operational"


@pytest.mark.parametrize(
    ("components", "impacts", "maintenance_active", "indicator", "description"),
    [
        ([], [], False, "none", "All Systems Operational"),
        ([OK, OK], [], False, "none", "All Systems Operational"),
        ([OK, "degraded_performance"], [], False, "minor", "Minor Service Outage"),
        ([OK, "partial_outage"], [], False, "major", "Partial System Outage"),
        ([OK, "major_outage"], [], False, "critical", "Major System Outage"),
        (["degraded_performance", "major_outage", "partial_outage"], [], False, "critical", None),
        ([OK], ["minor"], False, "minor", "Minor Service Outage"),
        ([OK], ["major"], False, "major", "Partial System Outage"),
        ([OK], ["critical"], False, "critical", "Major System Outage"),
        ([OK], ["none"], False, "none", "All Systems Operational"),
        (["degraded_performance"], ["critical"], False, "critical", None),
        (["major_outage"], ["minor"], False, "critical", None),
        (["under_maintenance", OK], [], False, "maintenance", "Service Under Maintenance"),
        ([OK], [], True, "maintenance", "Service Under Maintenance"),
        ([OK], ["none"], True, "maintenance", None),
        (["under_maintenance", "degraded_performance"], [], True, "minor", None),
        (["under_maintenance"], ["major"], True, "major", None),
        (["under_maintenance", "major_outage"], [], False, "critical", None),
    ],
    ids=[
        "no-components",
        "all-operational",
        "degraded",
        "partial",
        "major-outage",
        "worst-component-wins",
        "minor-incident",
        "major-incident",
        "critical-incident",
        "incident-without-impact",
        "incident-worse-than-components",
        "components-worse-than-incident",
        "component-under-maintenance",
        "maintenance-running",
        "maintenance-and-harmless-incident",
        "maintenance-hidden-by-degraded",
        "maintenance-hidden-by-incident",
        "maintenance-hidden-by-outage",
    ],
)
def test_banner(components, impacts, maintenance_active, indicator, description):
    """Does the banner show the worst of components and open incidents, and maintenance
    only when nothing is wrong?"""
    result = page_status(components, impacts, maintenance_active)
    assert result.indicator == indicator
    if description:
        assert result.description == description


def test_current_page_status_follows_the_incident_lifecycle(app, make_component):
    """Does the live banner turn red when an incident opens and green once it is resolved
    with its components restored?"""
    api = make_component("API", now=at(0))
    assert status.current_page_status().indicator == "none"

    incident = incidents.open_incident(
        name="Down", impact="critical", message="Down.", components={api.id: "major_outage"}
    )
    assert status.current_page_status().indicator == "critical"
    assert [i.id for i in status.active_incidents()] == [incident.id]

    incidents.post_update(incident, status="resolved", message="Up.", restore_components=True)
    assert status.current_page_status().indicator == "none"
    assert status.active_incidents() == []
    assert [i.id for i in status.history(1).items] == [incident.id]


def test_running_maintenance_shows_on_the_banner(app, make_component):
    """While maintenance runs and nothing is broken, does the banner say so?"""
    db_ = make_component("Database", now=at(0))
    maintenance.schedule_maintenance(
        name="Upgrade",
        message="Upgrading.",
        scheduled_for=at(10),
        scheduled_until=at(70),
        component_ids=[db_.id],
        now=at(0),
    )
    assert status.current_page_status().indicator == "none"
    assert [m.name for m in status.upcoming_maintenance()] == ["Upgrade"]

    maintenance.tick(now=at(10))
    assert status.current_page_status().indicator == "maintenance"
    assert [m.name for m in status.active_maintenance()] == ["Upgrade"]
    assert status.upcoming_maintenance() == []


def test_history_lists_only_closed_events_newest_first(app, make_component):
    """Does /history show resolved incidents, newest first, and leave open ones out?"""
    older = incidents.open_incident(name="Older", impact="minor", message="x", now=at(0))
    incidents.post_update(older, status="resolved", message="done", now=at(5))
    newer = incidents.open_incident(name="Newer", impact="minor", message="x", now=at(10))
    incidents.post_update(newer, status="resolved", message="done", now=at(15))
    incidents.open_incident(name="Open", impact="minor", message="x", now=at(20))

    page = status.history(1, per_page=1)
    assert [i.name for i in page.items] == ["Newer"]
    assert (page.total, page.pages) == (2, 2)
    assert [i.name for i in status.history(2, per_page=1).items] == ["Older"]
