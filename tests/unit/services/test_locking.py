"""Services decide on the row as it is now, locked — not as the caller's page saw it.

"Elsewhere" below is another app context: another session, as another request or
worker would have, changing the row after this one loaded it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ComponentStatusPeriod, Incident, utcnow
from app.services import components, incidents, maintenance, users
from app.services.errors import Busy, Invalid, NotFound
from tests.conftest import Browser


def test_an_update_on_an_incident_resolved_meanwhile_is_refused_naming_who(
    app, make_user, make_component
):
    """If a colleague resolved the incident after my page loaded it, is my "Identified"
    refused, telling me who resolved it and when — not a silent reopening?"""
    make_user("alice@example.com")
    api = make_component("API")
    opened = incidents.open_incident(
        name="API down", impact="major", message="Down.", components={api.id: "major_outage"}
    )
    seen = db.session.get(Incident, opened.id)
    assert seen.status == "investigating"
    with app.app_context():
        incidents.post_update(
            incidents.get_incident(opened.id),
            status="resolved",
            message="Fixed.",
            restore_components=True,
            actor=users.find_by_email("alice@example.com"),
        )
    with pytest.raises(Invalid) as refused:
        incidents.post_update(seen, status="identified", message="Found it.")
    assert refused.value.message.startswith(
        "This incident was resolved a moment ago by alice@example.com;"
    )
    assert "Tick “Reopen the incident”" in refused.value.message
    assert seen.status == "resolved" and seen.resolved_at is not None
    assert len(seen.updates) == 2


def test_a_reschedule_after_the_tick_started_the_window_is_refused(app, make_component):
    """If the scheduler started the maintenance after my page loaded it, is my reschedule
    refused with what happened, leaving the running window where it is?"""
    database = make_component("Database")
    now = utcnow()
    planned = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now - timedelta(seconds=1),
        scheduled_until=now + timedelta(hours=1),
        component_ids=[database.id],
    )
    seen = db.session.get(Incident, planned.id)
    assert seen.status == "scheduled"
    with app.app_context():
        assert maintenance.tick().started == [planned.id]
    with pytest.raises(Invalid) as refused:
        maintenance.reschedule(
            seen,
            scheduled_for=now + timedelta(days=7),
            scheduled_until=now + timedelta(days=7, hours=1),
        )
    assert "started a moment ago by the scheduler" in refused.value.message
    assert seen.status == "in_progress" and seen.scheduled_for < now


def test_a_component_deleted_meanwhile_is_not_found_rather_than_an_error(app, make_component):
    """If someone deleted the component after my page loaded it, am I told so (404)?"""
    api = make_component("API")
    seen = components.get_component(api.id)
    with app.app_context():
        components.delete_component(components.get_component(api.id))
    with pytest.raises(NotFound, match="deleted meanwhile"):
        components.set_status(seen, "major_outage")


def test_the_database_refuses_a_second_open_status_period(app, make_component):
    """Even written by hand, can a component hold two current statuses? (It must not.)"""
    api = make_component("API")
    db.session.add(
        ComponentStatusPeriod(component_id=api.id, status="major_outage", started_at=utcnow())
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


@contextlib.contextmanager
def _lock_held_elsewhere(component_id: int):
    """Another connection holds the lock a status change of this component needs."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        other = psycopg.connect(dsn)
        other.execute("SELECT id FROM component WHERE id = %s FOR UPDATE", (component_id,))
    try:
        yield other
    finally:
        other.rollback()
        other.close()


def test_a_change_waits_out_a_brief_lock_and_goes_through(other_app, make_component):
    """If another writer holds the component for a moment longer than one lock wait, is my
    change retried and saved, rather than failing?"""
    api = make_component("API")
    quick = other_app(DATABASE_LOCK_TIMEOUT_MS=200)
    with _lock_held_elsewhere(api.id) as other:
        threading.Timer(0.5, other.rollback).start()
        with quick.app_context():
            components.set_status(components.get_component(api.id), "major_outage")
    db.session.rollback()
    assert components.get_component(api.id).status == "major_outage"


def test_a_change_blocked_for_long_is_refused_as_busy_with_nothing_saved(other_app, make_component):
    """If the database stays locked, is my change refused with a clear "busy" (503) after a
    few quick retries — nothing saved, no server error?"""
    api = make_component("API")
    quick = other_app(DATABASE_LOCK_TIMEOUT_MS=200)
    with _lock_held_elsewhere(api.id), quick.app_context():
        started = time.monotonic()
        with pytest.raises(Busy, match="busy") as refused:
            components.set_status(components.get_component(api.id), "major_outage")
        assert time.monotonic() - started < 5
    assert refused.value.status_code == 503
    db.session.rollback()
    assert components.get_component(api.id).status == "operational"


def test_a_busy_database_answers_the_form_with_503(other_app, make_component, manager_user):
    """Posting a status change while the database stays locked: do I get a 503 page that
    says to try again, not a server error?"""
    api = make_component("API")
    quick = other_app(DATABASE_LOCK_TIMEOUT_MS=200)
    browser = Browser(quick.test_client())
    browser.login(manager_user.email)
    with _lock_held_elsewhere(api.id):
        response = browser.post(f"/admin/components/{api.id}/status", {"status": "major_outage"})
    assert response.status_code == 503
    assert "nothing was saved. Try again." in response.get_data(as_text=True)
