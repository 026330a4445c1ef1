"""Scheduled maintenance driven by the clock (`flask tick`)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IncidentUpdate
from app.services import incidents, maintenance
from app.services.errors import Invalid
from app.services.page import current_version
from tests.unit.services.helpers import assert_contiguous, at, periods


@pytest.fixture
def window(app, make_component):
    """A database upgrade from minute 10 to minute 70, scheduled at minute 0."""
    database = make_component("Database", now=at(0))
    web = make_component("Website", now=at(0))
    planned = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="We will upgrade the database.",
        scheduled_for=at(10),
        scheduled_until=at(70),
        component_ids=[database.id],
        actor="test",
        now=at(0),
    )
    return planned, database, web


def _updates() -> int:
    return db.session.scalar(select(func.count(IncidentUpdate.id)))


def test_nothing_happens_before_the_window(window):
    """Does a tick before the start leave the maintenance scheduled and components alone?"""
    planned, database, _ = window
    result = maintenance.tick(now=at(9))
    assert not result.changed
    assert planned.status == "scheduled"
    assert database.status == "operational"


def test_tick_starts_maintenance_at_its_start(window):
    """At scheduled_for, does the maintenance start and put only its components under
    maintenance?"""
    planned, database, web = window
    result = maintenance.tick(now=at(10))

    assert result.started == [planned.id]
    assert planned.status == "in_progress"
    assert database.status == "under_maintenance"
    assert web.status == "operational"
    assert periods(database)[-1] == ("under_maintenance", at(10), None)
    assert planned.updates[0].body == maintenance.STARTED_MESSAGE


def test_tick_completes_maintenance_at_its_end(window):
    """At scheduled_until, is the maintenance completed and its components operational again?"""
    planned, database, _ = window
    maintenance.tick(now=at(10))
    result = maintenance.tick(now=at(70))

    assert result.completed == [planned.id]
    assert planned.status == "completed"
    assert planned.resolved_at == at(70)
    assert database.status == "operational"
    rows = periods(database)
    assert [r[0] for r in rows] == ["operational", "under_maintenance", "operational"]
    assert_contiguous(rows)


def test_completion_keeps_an_outage_declared_meanwhile(window):
    """If an incident marks a component as down during maintenance, does completing the
    maintenance leave it down rather than claim it is operational?"""
    planned, database, _ = window
    maintenance.tick(now=at(10))
    incidents.open_incident(
        name="Database down",
        impact="critical",
        message="The upgrade failed.",
        components={database.id: "major_outage"},
        now=at(40),
    )

    maintenance.tick(now=at(70))

    assert planned.status == "completed"
    assert database.status == "major_outage"
    assert planned.updates[0].changes == []


@pytest.mark.parametrize("moment", [10, 70])
def test_tick_is_idempotent(window, moment):
    """Does running tick twice at the same moment change nothing the second time?"""
    planned, database, _ = window
    if moment == 70:
        maintenance.tick(now=at(10))
    maintenance.tick(now=at(moment))
    state = (planned.status, database.status, periods(database), _updates(), current_version())

    again = maintenance.tick(now=at(moment))

    assert not again.changed
    assert (
        planned.status,
        database.status,
        periods(database),
        _updates(),
        current_version(),
    ) == state


def test_maintenance_cannot_end_before_it_starts(app):
    """Is a window that ends before it starts refused?"""
    with pytest.raises(Invalid, match="end after"):
        maintenance.schedule_maintenance(
            name="Backwards", message="x", scheduled_for=at(10), scheduled_until=at(10)
        )


def test_manual_update_cannot_go_back(window):
    """Can a manager not move a started maintenance back to scheduled?"""
    planned, _, _ = window
    maintenance.tick(now=at(10))
    with pytest.raises(Invalid, match="cannot go back"):
        maintenance.post_maintenance_update(planned, status="scheduled", message="oops")


def test_only_unstarted_maintenance_can_be_rescheduled(window):
    """Is rescheduling refused once the maintenance has started?"""
    planned, _, _ = window
    maintenance.reschedule(planned, scheduled_for=at(20), scheduled_until=at(80), now=at(1))
    assert maintenance.tick(now=at(10)).changed is False
    maintenance.tick(now=at(20))
    with pytest.raises(Invalid, match="not started"):
        maintenance.reschedule(planned, scheduled_for=at(30), scheduled_until=at(90), now=at(21))


def test_maintenance_never_hides_an_outage_that_was_already_there(window):
    """If a component is already down when maintenance starts, does the page keep saying so,
    before and after the window?"""
    planned, database, _ = window
    incidents.open_incident(
        name="Database down",
        impact="critical",
        message="The database is down.",
        components={database.id: "major_outage"},
        now=at(5),
    )
    maintenance.tick(now=at(10))
    assert planned.status == "in_progress"
    assert database.status == "major_outage"
    maintenance.tick(now=at(70))
    assert planned.status == "completed"
    assert database.status == "major_outage"


def test_a_window_missed_whole_is_completed_with_one_update(window):
    """If no tick ran during the whole window (the worker was down), is it completed with
    one update, its planned window in history, and no component flipped?"""
    planned, database, _ = window
    before = _updates()
    result = maintenance.tick(now=at(100))
    assert result.completed == [planned.id] and result.started == []
    assert _updates() == before + 1
    assert planned.status == "completed"
    assert (planned.started_at, planned.resolved_at) == (at(10), at(70))
    assert database.status == "operational"
    assert [status for status, _, _ in periods(database)] == ["operational"]
