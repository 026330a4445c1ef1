"""One time zone per admin screen: the page's display zone, with its UTC offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text

from app.extensions import db
from app.services import maintenance


def _paris() -> None:
    db.session.execute(text("UPDATE page_settings SET time_zone = 'Europe/Paris'"))
    db.session.commit()


def test_a_heading_and_the_input_below_it_show_the_same_time(as_manager, make_component):
    """With the display zone Europe/Paris, does the maintenance page's heading say 09:00 with
    its offset, and the reschedule input read 09:00, labelled with the zone?"""
    _paris()
    planned = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Planned.",
        scheduled_for=datetime(2099, 7, 1, 7, 0, tzinfo=UTC),
        scheduled_until=datetime(2099, 7, 1, 9, 30, tzinfo=UTC),
    )
    html = as_manager.get(f"/admin/maintenance/{planned.id}").get_data(as_text=True)
    assert ">Jul 1, 2099 09:00 (UTC+02:00)</time>" in html
    assert ">Jul 1, 2099 11:30 (UTC+02:00)</time>" in html
    assert 'value="2099-07-01T09:00"' in html and 'value="2099-07-01T11:30"' in html
    assert re.search(r"<label for=\"starts\">Starts \(Europe/Paris\)</label>", html)
    assert "Times are in Europe/Paris (now UTC+0" in html


def test_admin_times_are_never_rewritten_to_the_browser_zone(as_manager, make_component):
    """Do admin pages leave every time for localtime.js alone (no data-style), while the
    public page still offers visitors their own zone?"""
    _paris()
    planned = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Planned.",
        scheduled_for=datetime(2099, 1, 5, 7, 0, tzinfo=UTC),
        scheduled_until=datetime(2099, 1, 5, 8, 0, tzinfo=UTC),
    )
    for path in ("/admin/", "/admin/maintenance", f"/admin/maintenance/{planned.id}"):
        html = as_manager.get(path).get_data(as_text=True)
        assert "<time" in html, path
        assert "data-style" not in html, path
    listed = as_manager.get("/admin/maintenance").get_data(as_text=True)
    assert "Jan 5, 2099 08:00 (UTC+01:00)" in listed
    public = as_manager.get(f"/incidents/{planned.id}").get_data(as_text=True)
    assert 'data-style="datetime"' in public
