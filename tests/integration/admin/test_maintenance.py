"""The maintenance pages as a manager uses them: schedule, follow, advance, reschedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Component, Incident, utcnow
from app.services import maintenance


def _count() -> int:
    return db.session.scalar(select(func.count(Incident.id))) or 0


def _local(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _schedule(browser, component, starts, ends, **extra):
    data = {
        "title": "Database upgrade",
        "starts": starts,
        "ends": ends,
        "message": "The database will be read-only.",
        "components": [str(component.id)],
    }
    data.update(extra)
    return browser.post("/admin/maintenance/new", data=data)


def test_maintenance_is_scheduled_and_listed_as_upcoming(as_manager, make_component):
    """Does scheduled maintenance appear under Upcoming with its components?"""
    db_component = make_component("Database")
    tomorrow = utcnow() + timedelta(days=1)
    response = _schedule(
        as_manager, db_component, _local(tomorrow), _local(tomorrow + timedelta(hours=2))
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalars(select(Incident)).one()
    assert item.status == "scheduled"
    assert item.scheduled_for.strftime("%Y-%m-%dT%H:%M") == _local(tomorrow)
    assert [a.component_id for a in item.affected] == [db_component.id]
    page = as_manager.get("/admin/maintenance").get_data(as_text=True)
    upcoming = page[page.index("Upcoming") :]
    assert "Database upgrade" in upcoming.split("Completed")[0]


def test_times_are_read_in_the_page_time_zone(as_manager, make_component):
    """Is 09:00 on the form 09:00 in the page's time zone, which the form names?"""
    db.session.execute(text("UPDATE page_settings SET time_zone = 'Europe/Paris'"))
    db.session.commit()
    component = make_component("Database")
    assert "Europe/Paris" in as_manager.get("/admin/maintenance/new").get_data(as_text=True)
    response = _schedule(as_manager, component, "2099-07-01T09:00", "2099-07-01T11:00")
    assert response.status_code == 302
    item = db.session.scalars(select(Incident)).one()
    assert item.scheduled_for == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)


def test_bad_dates_are_refused_and_nothing_is_written(as_manager, make_component):
    """Are empty, unreadable and backwards windows refused with a 400 and a message?"""
    component = make_component("Database")
    cases = [
        ("", "2099-01-01T10:00", "Start is required."),
        ("next tuesday", "2099-01-01T10:00", "is not a date and time"),
        ("2099-01-01T10:00", "2099-02-30T10:00", "is not a date and time"),
        ("2099-01-01T10:00", "2099-01-01T09:00", "must end after it starts"),
    ]
    for starts, ends, message in cases:
        response = _schedule(as_manager, component, starts, ends)
        assert response.status_code == 400, (starts, ends)
        assert message in response.get_data(as_text=True), message
    assert _count() == 0


def test_an_unknown_component_is_refused(as_manager, make_component):
    """Is a ticked component that does not exist refused?"""
    component = make_component("Database")
    response = _schedule(
        as_manager, component, "2099-01-01T10:00", "2099-01-01T11:00", components=["424242"]
    )
    assert response.status_code == 400
    assert "There is no component" in response.get_data(as_text=True)
    assert _count() == 0


def test_maintenance_moves_forward_only(as_manager, make_component):
    """Do updates start and complete a maintenance, flipping components, and never go back?"""
    component = make_component("Database")
    now = utcnow()
    item = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
        component_ids=[component.id],
    )
    url = f"/admin/maintenance/{item.id}/updates"
    response = as_manager.post(url, data={"status": "in_progress", "message": "Started early."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, component.id).status == "under_maintenance"
    response = as_manager.post(url, data={"status": "scheduled", "message": "Oops."})
    assert response.status_code == 400
    assert "cannot go back" in response.get_data(as_text=True)
    response = as_manager.post(url, data={"status": "completed", "message": "Done."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, component.id).status == "operational"
    page = as_manager.get(f"/admin/maintenance/{item.id}").get_data(as_text=True)
    assert page.index("Done.") < page.index("Started early.") < page.index("Planned.")
    listing = as_manager.get("/admin/maintenance").get_data(as_text=True)
    assert "Upgrade" in listing[listing.index("Completed") :]


def test_maintenance_is_rescheduled_only_before_it_starts(as_manager, make_component):
    """Can a manager move the window before it starts, and not after?"""
    component = make_component("Database")
    now = utcnow()
    item = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
        component_ids=[component.id],
    )
    url = f"/admin/maintenance/{item.id}/reschedule"
    response = as_manager.post(url, data={"starts": "2099-03-01T10:00", "ends": "2099-03-01T09:00"})
    assert response.status_code == 400
    assert "must end after it starts" in response.get_data(as_text=True)
    response = as_manager.post(url, data={"starts": "2099-03-01T10:00", "ends": "2099-03-01T12:00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, item.id).scheduled_for == datetime(2099, 3, 1, 10, tzinfo=UTC)
    as_manager.post(
        f"/admin/maintenance/{item.id}/updates", data={"status": "in_progress", "message": "Go."}
    )
    response = as_manager.post(url, data={"starts": "2099-04-01T10:00", "ends": "2099-04-01T12:00"})
    assert response.status_code == 400
    assert "has not started" in response.get_data(as_text=True)


def test_unknown_maintenance_is_404(as_manager):
    """Do made-up ids answer 404?"""
    assert as_manager.get("/admin/maintenance/999").status_code == 404
    assert as_manager.post("/admin/maintenance/999/updates", data={}).status_code == 404
    assert as_manager.post("/admin/maintenance/999/reschedule", data={}).status_code == 404


def test_a_time_skipped_by_the_clock_change_is_refused(as_manager, make_component):
    """Is 02:30 on the night clocks go forward in Paris refused, rather than guessed?"""
    db.session.execute(text("UPDATE page_settings SET time_zone = 'Europe/Paris'"))
    db.session.commit()
    component = make_component("Database")
    response = _schedule(as_manager, component, "2030-03-31T02:30", "2030-03-31T04:00")
    assert response.status_code == 400
    assert "does not exist in Europe/Paris" in response.get_data(as_text=True)
    assert _count() == 0


def test_maintenance_text_is_edited_and_a_mistake_deleted(as_manager, make_component):
    """Can a manager fix an update's text, and delete maintenance scheduled by mistake?"""
    component = make_component("Database")
    now = utcnow()
    item = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
        component_ids=[component.id],
    )
    update = item.updates[0]
    response = as_manager.post(
        f"/admin/incidents/{item.id}/updates/{update.id}/edit", data={"message": "Replanned."}
    )
    assert response.headers["Location"].endswith(f"/admin/maintenance/{item.id}")
    page = as_manager.get(f"/admin/maintenance/{item.id}").get_data(as_text=True)
    assert "Replanned." in page
    assert "Earlier versions (1)" in page
    page = as_manager.get(f"/admin/incidents/{item.id}/delete").get_data(as_text=True)
    assert "Delete the maintenance “Upgrade”?" in page
    response = as_manager.post(f"/admin/incidents/{item.id}/delete")
    assert response.headers["Location"].endswith("/admin/maintenance")
    assert _count() == 0


def _completed_windows(count: int) -> None:
    """`count` past windows, "Window 01" ending most recently, each a day before the last."""
    now = utcnow()
    for n in range(1, count + 1):
        ends = now - timedelta(days=n)
        maintenance.schedule_maintenance(
            name=f"Window {n:02d}",
            message="Planned.",
            scheduled_for=ends - timedelta(hours=1),
            scheduled_until=ends,
            now=ends - timedelta(days=30),
        )
    maintenance.tick(now=now)


def _completed_names(page: str) -> list[str]:
    completed = page[page.index('id="completed-heading"') :]
    return re.findall(r"Window \d\d", completed)


def test_completed_maintenance_is_paginated_newest_end_first(as_manager):
    """With 25 completed windows, does page 1 show the 20 that ended last and page 2 the rest?"""
    _completed_windows(25)
    first = as_manager.get("/admin/maintenance")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert _completed_names(page) == [f"Window {n:02d}" for n in range(1, 21)]
    assert "Page 1 of 2" in page
    assert 'href="/admin/maintenance?page=2"' in page
    assert "Upcoming" in page

    second = as_manager.get("/admin/maintenance?page=2")
    assert second.status_code == 200
    page = second.get_data(as_text=True)
    assert _completed_names(page) == [f"Window {n:02d}" for n in range(21, 26)]
    assert "Page 2 of 2" in page
    assert 'href="/admin/maintenance?page=1"' in page
    assert "?page=3" not in page


def test_a_bad_or_missing_page_of_completed_maintenance_is_refused(as_manager):
    """Is a page number that is not a whole number refused, and one past the end not found?"""
    _completed_windows(3)
    for bad in ("0", "-1", "two", "1.5", ""):
        response = as_manager.get(f"/admin/maintenance?page={bad}")
        assert response.status_code == 400, bad
        assert "The page number must be a whole number from 1." in response.get_data(as_text=True)
    response = as_manager.get("/admin/maintenance?page=2")
    assert response.status_code == 404
    assert "the last page is 1" in response.get_data(as_text=True)
    assert "Page 1 of" not in as_manager.get("/admin/maintenance").get_data(as_text=True)
