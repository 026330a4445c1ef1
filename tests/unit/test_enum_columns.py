"""Statuses, impacts, kinds and roles: enum members in Python, the Statuspage words in the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    utcnow,
)
from app.services import incidents, maintenance


def test_rows_hold_the_same_words_as_before(app, make_component, make_user):
    """Does the database still hold plain words such as "major_outage" and "maintenance",
    so that existing rows, other tools and the other database read them alike?"""
    api = make_component("API")
    make_user("ops@example.com", "admin")
    incidents.open_incident(
        name="Down", impact="critical", message="m", components={api.id: "major_outage"}
    )
    now = utcnow()
    maintenance.schedule_maintenance(
        name="Upgrade",
        message="m",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
    )
    rows = db.session.execute(text("SELECT kind, status, impact FROM incident ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        ("incident", "investigating", "critical"),
        ("maintenance", "scheduled", "maintenance"),
    ]
    assert db.session.scalar(text("SELECT status FROM component")) == "major_outage"
    assert db.session.scalar(text("SELECT new_status FROM component_change")) == "major_outage"
    assert db.session.scalar(text('SELECT role FROM "user"')) == "admin"


def test_what_is_read_back_is_a_member(app, make_component):
    """Do the models give back enum members that compare equal to the words?"""
    make_component("API", status="partial_outage")
    db.session.expire_all()
    component = db.session.scalars(db.select(Component)).one()
    assert component.status is ComponentStatus.PARTIAL_OUTAGE
    assert component.status == "partial_outage"
    assert component.status.label == "Partial Outage"


def test_a_word_no_status_has_never_reaches_a_row(app):
    """Is a status outside the vocabulary refused before anything is written?"""
    db.session.add(
        Incident(kind=IncidentKind.INCIDENT, name="x", status="on_fire", impact=Impact.NONE)
    )
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM incident")) == 0
