"""Recurring maintenance in the admin: start a series, change it, stop it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Incident, MaintenanceSeries, utcnow


def _local(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _form(component, **extra) -> dict:
    starts = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    return {
        "title": "Weekly patching",
        "cadence": "weekly",
        "starts": _local(starts),
        "ends": _local(starts + timedelta(hours=1)),
        "message": "Servers are patched and restarted.",
        "components": [str(component.id)],
    } | extra


def _occurrences() -> list[Incident]:
    return list(db.session.scalars(select(Incident).order_by(Incident.scheduled_for)))


def test_a_weekly_series_schedules_its_next_windows(as_manager, make_component):
    """Starting weekly maintenance, do I see its next two windows, each a normal maintenance
    that says it belongs to the series?"""
    component = make_component("Database")
    response = as_manager.post("/admin/maintenance/series/new", data=_form(component))
    assert response.status_code == 302, response.get_data(as_text=True)
    series = db.session.scalars(select(MaintenanceSeries)).one()
    assert response.headers["Location"].endswith(f"/admin/maintenance/series/{series.id}")
    first, second = _occurrences()
    assert second.scheduled_for - first.scheduled_for == timedelta(days=7)
    assert [a.component_id for a in first.affected] == [component.id]
    page = as_manager.get(f"/admin/maintenance/series/{series.id}").get_data(as_text=True)
    assert page.count(f'href="/admin/maintenance/{first.id}"') == 1
    assert f'href="/admin/maintenance/{second.id}"' in page
    listing = as_manager.get("/admin/maintenance").get_data(as_text=True)
    assert "Weekly patching" in listing[listing.index("Recurring") :]
    shown = as_manager.get(f"/admin/maintenance/{first.id}").get_data(as_text=True)
    assert "One window of a" in shown


def test_bad_series_are_refused_with_every_reason(as_manager, make_component):
    """Is an unknown repeat or a window as long as a week refused, with nothing saved?"""
    component = make_component("Database")
    response = as_manager.post(
        "/admin/maintenance/series/new", data=_form(component, cadence="daily")
    )
    assert response.status_code == 400
    assert "Repeat must be one of: weekly, monthly." in response.get_data(as_text=True)
    starts = utcnow() + timedelta(days=1)
    long = _form(component, starts=_local(starts), ends=_local(starts + timedelta(days=8)))
    response = as_manager.post("/admin/maintenance/series/new", data=long)
    assert response.status_code == 400
    assert "must be shorter than 7 days" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MaintenanceSeries.id))) == 0
    assert _occurrences() == []


def test_changing_and_stopping_a_series(as_manager, make_component):
    """Renamed, do its upcoming windows take the new name; stopped, are they gone and is the
    form no longer offered?"""
    component = make_component("Database")
    as_manager.post("/admin/maintenance/series/new", data=_form(component))
    series = db.session.scalars(select(MaintenanceSeries)).one()
    url = f"/admin/maintenance/series/{series.id}"
    response = as_manager.post(url, data=_form(component, title="Patching"))
    assert response.status_code == 302
    db.session.expire_all()
    assert {o.name for o in _occurrences()} == {"Patching"}
    assert as_manager.post(f"{url}/stop").status_code == 302
    db.session.expire_all()
    assert _occurrences() == []
    page = as_manager.get(url).get_data(as_text=True)
    assert "no more windows are planned" in page and "Save rule" not in page
    again = as_manager.post(f"{url}/stop")
    assert again.status_code == 400
    assert "was stopped" in again.get_data(as_text=True)


def test_unknown_series_are_404(as_manager):
    """Do made-up series ids answer 404?"""
    assert as_manager.get("/admin/maintenance/series/999").status_code == 404
    assert as_manager.post("/admin/maintenance/series/999/stop").status_code == 404
