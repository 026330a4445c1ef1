"""Components: status changes, their recorded periods, and deletion."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AffectedComponent, ComponentChange
from app.services import component_groups, components, incidents
from app.services.errors import Invalid
from app.services.page import current_version
from tests.unit.services.helpers import assert_contiguous, at, periods


def test_new_component_has_one_open_period(app, make_component):
    """Does a new component start its history with one open period in its first status?"""
    api = make_component("API", status="degraded_performance", now=at(0))
    assert periods(api) == [("degraded_performance", at(0), None)]


def test_every_change_closes_the_open_period_and_opens_a_new_one(app, make_component):
    """Does each status change end the running period exactly when the next begins,
    with no gaps and no overlaps?"""
    api = make_component("API", now=at(0))
    for minutes, status in [
        (5, "degraded_performance"),
        (9, "major_outage"),
        (30, "partial_outage"),
        (31, "operational"),
    ]:
        components.set_status(api, status, now=at(minutes))

    rows = periods(api)
    assert rows == [
        ("operational", at(0), at(5)),
        ("degraded_performance", at(5), at(9)),
        ("major_outage", at(9), at(30)),
        ("partial_outage", at(30), at(31)),
        ("operational", at(31), None),
    ]
    assert_contiguous(rows)


def test_setting_the_same_status_changes_nothing(app, make_component):
    """Does re-saving the current status leave history and the public page version alone?"""
    api = make_component("API", now=at(0))
    version = current_version()
    components.set_status(api, "operational", now=at(5))
    assert periods(api) == [("operational", at(0), None)]
    assert current_version() == version


def test_status_change_bumps_page_version(app, make_component):
    """Does a status change mark the public page as changed, so caches refresh?"""
    api = make_component("API", now=at(0))
    version = current_version()
    components.set_status(api, "major_outage", now=at(5))
    assert current_version() > version


def test_unknown_status_is_refused(app, make_component):
    """Is a status outside the Statuspage vocabulary refused, listing the allowed ones?"""
    api = make_component("API")
    with pytest.raises(Invalid, match="operational"):
        components.set_status(api, "broken")
    db.session.expire_all()
    assert api.status == "operational"


def test_component_names_are_unique_ignoring_case(app, make_component):
    """Is a second component called "api" refused when "API" exists?"""
    make_component("API")
    with pytest.raises(Invalid, match="already exists"):
        make_component("api")


def test_deleting_a_component_keeps_incident_history(app, make_component):
    """After a component is removed, do its incidents still name it?"""
    api = make_component("API", now=at(0))
    incident = incidents.open_incident(
        name="API down",
        impact="critical",
        message="Down.",
        components={api.id: "major_outage"},
        now=at(10),
    )
    incident_id = incident.id

    components.delete_component(api)
    db.session.expire_all()

    incident = incidents.get_incident(incident_id)
    affected = db.session.scalars(select(AffectedComponent)).all()
    assert [(a.component_id, a.component_name) for a in affected] == [(None, "API")]
    change = db.session.scalars(select(ComponentChange)).one()
    assert (change.component_id, change.component_name) == (None, "API")
    assert change.new_status == "major_outage"
    assert incident.updates[0].changes[0].component_name == "API"


def test_deleting_a_component_leaves_incident_resolvable(app, make_component):
    """Can an incident whose component was deleted still be resolved with "restore"?"""
    api = make_component("API", now=at(0))
    incident = incidents.open_incident(
        name="API down", impact="major", message="Down.", components={api.id: "major_outage"}
    )
    components.delete_component(api)
    incidents.post_update(incident, status="resolved", message="Gone.", restore_components=True)
    assert incident.status == "resolved"


def test_deleting_a_group_keeps_its_components(app, make_component):
    """Does removing a group leave its components on the page, ungrouped?"""
    group = component_groups.create_group(name="Core")
    api = make_component("API", group_id=group.id)
    component_groups.delete_group(group)
    db.session.expire_all()
    assert api.group_id is None
    assert [c.name for c in components.list_components()] == ["API"]


def test_moving_a_component_swaps_it_with_its_neighbour(app, make_component):
    """Does "move up" put a component above the one before it?"""
    make_component("A")
    make_component("B")
    c = make_component("C")
    components.move_component(c, -1)
    assert [x.name for x in components.list_components()] == ["A", "C", "B"]


def test_moving_a_grouped_component_passes_over_components_outside_its_group(app, make_component):
    """In a group, does "move up" swap with the group's previous component, not a stranger?"""
    group = component_groups.create_group(name="Core")
    make_component("API", group_id=group.id)
    make_component("Email")
    web = make_component("Web", group_id=group.id)
    components.move_component(web, -1)
    grouped = [c.name for c in components.list_components() if c.group_id == group.id]
    assert grouped == ["Web", "API"]
