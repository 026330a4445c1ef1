"""Recurring maintenance: occurrences planned ahead by the tick, once each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Incident, MaintenanceOccurrence, MaintenanceSeries
from app.services import maintenance
from app.services import maintenance_series as series_service
from app.services.errors import Invalid
from tests.unit.services.helpers import at

DAY = 24 * 60


def _weekly(database=None, **overrides) -> MaintenanceSeries:
    values = {
        "name": "Weekly patching",
        "message": "Servers are patched.",
        "cadence": "weekly",
        "first_start": at(60),
        "first_end": at(120),
        "component_ids": [database.id] if database else [],
        "actor": "test",
        "now": at(0),
    }
    return series_service.create_series(**(values | overrides))


def _of(series_id: int):
    """Incidents joined to their occurrence rows, for `series_id`."""
    return (
        select(Incident)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.incident_id == Incident.id)
        .where(MaintenanceOccurrence.series_id == series_id)
    )


def _starts(series_id: int) -> list[datetime]:
    return list(
        db.session.scalars(
            _of(series_id)
            .with_only_columns(Incident.scheduled_for)
            .order_by(Incident.scheduled_for)
        )
    )


def test_a_weekly_series_plans_its_next_two_windows_at_once(app, make_component):
    """Starting a weekly window, are the next two weeks' occurrences scheduled at once, each a
    normal maintenance with the series' components?"""
    database = make_component("Database")
    series = _weekly(database)
    assert _starts(series.id) == [at(60), at(60 + 7 * DAY)]
    first = db.session.scalars(_of(series.id).order_by(Incident.scheduled_for)).first()
    assert first.status == "scheduled" and first.name == "Weekly patching"
    assert [a.component_id for a in first.affected] == [database.id]


def test_ticks_create_each_occurrence_once_and_keep_two_ahead(app):
    """Do repeated ticks create nothing twice, and a tick a week later add the next week?"""
    series = _weekly()
    assert maintenance.tick(now=at(1)).planned == []
    assert maintenance.tick(now=at(1)).planned == []
    later = maintenance.tick(now=at(7 * DAY + 1))
    assert len(later.planned) == 1
    assert _starts(series.id) == [at(60 + n * 7 * DAY) for n in range(3)]


def test_a_tick_that_read_a_stale_plan_skips_what_exists(app):
    """If a tick plans from stale state (another tick created the occurrences meanwhile), does
    the unique (series, start) make it skip them rather than fail or duplicate?"""
    series = _weekly()
    db.session.execute(text("UPDATE maintenance_series SET planned_through = NULL"))
    db.session.commit()
    result = maintenance.tick(now=at(1))
    assert result.planned == []
    assert _starts(series.id) == [at(60), at(60 + 7 * DAY)]


def test_the_database_refuses_a_second_row_for_one_occurrence(app):
    """Is (series, start) unique in the database itself, whatever the code does?"""
    series = _weekly()
    occurrence = db.session.scalars(select(MaintenanceOccurrence)).first()
    db.session.add(
        MaintenanceOccurrence(
            series_id=series.id, starts_at=occurrence.starts_at, incident_id=occurrence.incident_id
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_deleted_occurrence_is_a_skipped_week(app):
    """If I delete next week's occurrence, does the tick leave that week out?"""
    from app.services import incidents

    series = _weekly()
    second = db.session.scalar(select(Incident).where(Incident.scheduled_for == at(60 + 7 * DAY)))
    incidents.delete_incident(second)
    maintenance.tick(now=at(2))
    assert _starts(series.id) == [at(60)]


def test_a_monthly_window_on_the_31st_falls_on_shorter_months_last_day(app):
    """Is "every month on the 31st" on Feb 29 in a leap year and Apr 30?"""
    series = MaintenanceSeries(
        cadence="monthly",
        first_start=datetime(2024, 1, 31, 22, 0, tzinfo=UTC),
        duration_minutes=60,
        time_zone="Etc/UTC",
    )
    days = [series_service.nth_start(series, n).date().isoformat() for n in range(4)]
    assert days == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]


def test_a_weekly_window_keeps_its_local_time_across_summer_time(app):
    """Does "Saturdays 09:00 in Paris" stay 09:00 local when the clocks change?"""
    series = MaintenanceSeries(
        cadence="weekly",
        first_start=datetime(2024, 3, 23, 8, 0, tzinfo=UTC),  # 09:00 CET
        duration_minutes=60,
        time_zone="Europe/Paris",
    )
    assert series_service.nth_start(series, 1) == datetime(2024, 3, 30, 8, 0, tzinfo=UTC)
    assert series_service.nth_start(series, 2) == datetime(2024, 4, 6, 7, 0, tzinfo=UTC)


def test_stopping_removes_the_unstarted_occurrences_and_plans_no_more(app):
    """After I stop a series, are its upcoming windows gone and does the tick add none?"""
    series = _weekly()
    maintenance.tick(now=at(61))  # the first occurrence runs
    series_service.stop_series(series.id, actor="test", now=at(62))
    maintenance.tick(now=at(30 * DAY))
    statuses = db.session.execute(
        _of(series.id).with_only_columns(Incident.scheduled_for, Incident.status)
    ).all()
    assert [tuple(row) for row in statuses] == [(at(60), "completed")]
    with pytest.raises(Invalid, match="stopped"):
        series_service.stop_series(series.id, actor="test")


def test_editing_a_series_replans_only_what_has_not_started(app, make_component):
    """Renamed and moved to start at 14:00 while the 13:00 window runs, is the running one
    left alone and the next two planned by the new rule?"""
    series = _weekly()
    maintenance.tick(now=at(61))
    series_service.update_series(
        series.id,
        name="Patching",
        message="Servers are patched.",
        cadence="weekly",
        first_start=at(120),
        first_end=at(180),
        actor="test",
        now=at(62),
    )
    rows = db.session.execute(
        _of(series.id)
        .with_only_columns(Incident.name, Incident.scheduled_for, Incident.status)
        .order_by(Incident.scheduled_for)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("Weekly patching", at(60), "in_progress"),
        ("Patching", at(120), "scheduled"),
        ("Patching", at(120 + 7 * DAY), "scheduled"),
    ]


def test_a_window_as_long_as_its_repeat_is_refused(app):
    """Is a weekly window of seven days refused (it would overlap the next), with no series?"""
    with pytest.raises(Invalid, match="shorter than 7 days"):
        _weekly(first_end=at(60 + 7 * DAY))
    assert db.session.scalar(select(func.count(MaintenanceSeries.id))) == 0
