"""Maintenance a manager can correct: past windows refused or recorded, an Edit page,
and completed maintenance that shows when it really ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, Incident, IncidentUpdate, utcnow
from app.services import maintenance


def _local(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _count(model=Incident) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def _window(component, starts, ends, **extra) -> dict:
    return {
        "title": "Database upgrade",
        "starts": _local(starts),
        "ends": _local(ends),
        "message": "The database was upgraded.",
        "components": [str(component.id)],
    } | extra


def test_a_window_already_over_is_refused_with_the_way_to_record_it(as_manager, make_component):
    """If I schedule a window that ended last month, am I told why, offered "Record past
    maintenance", and is nothing written?"""
    component = make_component("Database")
    ended = utcnow() - timedelta(days=27)
    response = as_manager.post(
        "/admin/maintenance/new", data=_window(component, ended - timedelta(hours=2), ended)
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This window ended in the past" in html
    assert 'class="button" href="/admin/maintenance/past">Record past maintenance</a>' in html
    assert _count() == 0


def test_past_maintenance_is_recorded_without_any_feed_or_notification_flood(
    as_manager, make_component, client
):
    """Recording a window from last week: is it completed, in history with its real times,
    with one update not for delivery, and does no tick post "In progress" or "Completed"?"""
    component = make_component("Database")
    ends = (utcnow() - timedelta(days=7)).replace(second=0, microsecond=0)
    starts = ends - timedelta(hours=2)
    response = as_manager.post("/admin/maintenance/past", data=_window(component, starts, ends))
    assert response.status_code == 302, response.get_data(as_text=True)
    recorded = db.session.scalars(select(Incident)).one()
    assert recorded.status == "completed"
    assert (recorded.started_at, recorded.resolved_at) == (starts, ends)
    assert [(u.status, u.deliver_notifications) for u in recorded.updates] == [("completed", False)]
    assert maintenance.tick().changed is False
    assert _count(IncidentUpdate) == 1
    assert db.session.get(Component, component.id).status == "operational"
    feed = client.get("/history.atom").get_data(as_text=True)
    assert feed.count("<entry>") == 1
    assert "In progress" not in feed
    page = as_manager.get(f"/admin/maintenance/{recorded.id}").get_data(as_text=True)
    assert "Ran <time" in page


def test_a_window_not_over_is_not_recorded_as_past(as_manager, make_component):
    """Is a window still running refused on the past form, with what to do instead?"""
    component = make_component("Database")
    now = utcnow()
    response = as_manager.post(
        "/admin/maintenance/past",
        data=_window(component, now - timedelta(hours=1), now + timedelta(hours=1)),
    )
    assert response.status_code == 400
    assert "has not ended yet: schedule it instead" in response.get_data(as_text=True)
    assert _count() == 0


def _planned(component, hours_ahead=1) -> Incident:
    now = utcnow()
    return maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now + timedelta(hours=hours_ahead),
        scheduled_until=now + timedelta(hours=hours_ahead + 2),
        component_ids=[component.id],
    )


def test_early_completion_records_the_actual_end(as_manager, make_component, client):
    """Completed an hour early, do the admin, history and calendar say it ended then?"""
    component = make_component("Database")
    item = _planned(component, hours_ahead=-1)  # running: started an hour ago
    maintenance.tick()
    url = f"/admin/maintenance/{item.id}/updates"
    assert as_manager.post(url, data={"status": "completed", "message": "Done."}).status_code == 302
    db.session.expire_all()
    done = db.session.get(Incident, item.id)
    assert done.resolved_at < done.scheduled_until - timedelta(minutes=55)
    page = as_manager.get(f"/admin/maintenance/{item.id}").get_data(as_text=True)
    assert f'Ran <time datetime="{done.started_at.isoformat(timespec="seconds")}"' in page
    assert f'– <time datetime="{done.resolved_at.isoformat(timespec="seconds")}"' in page
    calendar = client.get("/maintenance.ics").get_data(as_text=True)
    assert f"DTEND:{done.resolved_at:%Y%m%dT%H%M%S}Z" in calendar


def test_the_edit_page_changes_title_components_and_window(as_manager, make_component):
    """Before it starts, can I rename the maintenance, swap its components and move it?"""
    database, website = make_component("Database"), make_component("Website")
    item = _planned(database)
    form = as_manager.get(f"/admin/maintenance/{item.id}/edit").get_data(as_text=True)
    assert 'value="Upgrade"' in form and f'value="{database.id}" checked' in form
    response = as_manager.post(
        f"/admin/maintenance/{item.id}/edit",
        data={
            "title": "Bigger upgrade",
            "starts": "2099-03-01T10:00",
            "ends": "2099-03-01T12:00",
            "components": [str(website.id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    edited = db.session.get(Incident, item.id)
    assert edited.name == "Bigger upgrade"
    assert [a.component_id for a in edited.affected] == [website.id]
    assert edited.scheduled_for == datetime(2099, 3, 1, 10, tzinfo=UTC)
    assert edited.status == "scheduled"


def test_editing_a_running_maintenance_flips_only_the_changed_components(
    as_manager, make_component
):
    """While it runs, does adding a component put it under maintenance and removing one bring
    it back, with the start left as it was and an end in the past refused?"""
    database, website = make_component("Database"), make_component("Website")
    item = _planned(database, hours_ahead=-1)
    maintenance.tick()
    form = as_manager.get(f"/admin/maintenance/{item.id}/edit").get_data(as_text=True)
    assert 'name="starts"' not in form and "only its end can move" in form
    url = f"/admin/maintenance/{item.id}/edit"
    later = _local(utcnow() + timedelta(hours=3))
    data = {"title": "Upgrade", "ends": later, "components": [str(website.id)]}
    assert as_manager.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, website.id).status == "under_maintenance"
    assert db.session.get(Component, database.id).status == "operational"
    earlier = _local(utcnow() - timedelta(minutes=5))
    response = as_manager.post(url, data=data | {"ends": earlier})
    assert response.status_code == 400
    assert "post “Completed”" in response.get_data(as_text=True)


def test_a_completed_maintenance_window_can_be_corrected(as_manager, make_component):
    """After it completed, can I correct the window it really ran in, but not into the future?"""
    component = make_component("Database")
    item = _planned(component, hours_ahead=-1)
    maintenance.tick()
    maintenance.post_maintenance_update(item, status="completed", message="Done.")
    url = f"/admin/maintenance/{item.id}/edit"
    starts = (utcnow() - timedelta(hours=5)).replace(second=0, microsecond=0)
    ends = starts + timedelta(hours=1)
    data = {"title": "Upgrade", "starts": _local(starts), "ends": _local(ends)}
    assert as_manager.post(url, data=data).status_code == 302
    db.session.expire_all()
    corrected = db.session.get(Incident, item.id)
    assert (corrected.started_at, corrected.resolved_at) == (starts, ends)
    future = _local(utcnow() + timedelta(hours=1))
    response = as_manager.post(url, data=data | {"ends": future})
    assert response.status_code == 400
    assert "its end cannot be in the future" in response.get_data(as_text=True)


def test_editing_maintenance_deleted_meanwhile_says_so(as_manager, make_component):
    """If someone deleted the maintenance while I edited it, am I told, with nothing written?"""
    component = make_component("Database")
    item = _planned(component)
    item_id = item.id
    form = {"title": "Renamed", "starts": "2099-03-01T10:00", "ends": "2099-03-01T12:00"}
    as_manager.post(f"/admin/incidents/{item_id}/delete")
    response = as_manager.post(f"/admin/maintenance/{item_id}/edit", data=form)
    assert response.status_code == 404
    assert _count() == 0
