"""Maintenance a manager corrects, as they do it in the browser: a past window refused and
recorded instead, an edit, a recurring series — at desktop and phone width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_user, login
from tests.e2e.test_admin_times import shoot

pytestmark = pytest.mark.browser


def _local(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def manager(live_server):
    from app.services import components

    live_server.reset()
    email = create_user(live_server.app, "journey@example.com", "manager")
    with live_server.app.app_context():
        components.create_component(name="Database")
    return email


@pytest.mark.parametrize("width", [1280, 390])
def test_a_past_window_is_refused_then_recorded_without_notifications(
    new_page, live_server, manager, width
):
    """Scheduling last week's window, am I told why and led to record it as past, where it
    lands in history as completed?"""
    from app.models import utcnow

    page = new_page(viewport={"width": width, "height": 900})
    login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/admin/maintenance/new")
    ended = utcnow() - timedelta(days=7)
    page.get_by_label("Title").fill("Database upgrade")
    page.get_by_label("Starts (Etc/UTC)").fill(_local(ended - timedelta(hours=2)))
    page.get_by_label("Ends (Etc/UTC)").fill(_local(ended))
    page.get_by_label("Database").check()
    page.get_by_label("Message").fill("The database was upgraded.")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("alert")).to_contain_text("This window ended in the past")
    shoot(page, f"maintenance-past-refused-{width}")
    page.locator(".ai-offer").get_by_role("link", name="Record past maintenance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record past maintenance")
    page.get_by_label("Title").fill("Database upgrade")
    page.get_by_label("Starts (Etc/UTC)").fill(_local(ended - timedelta(hours=2)))
    page.get_by_label("Ends (Etc/UTC)").fill(_local(ended))
    page.get_by_label("Message").fill("The database was upgraded.")
    shoot(page, f"maintenance-record-past-{width}")
    page.get_by_role("button", name="Record past maintenance").click()
    expect(page.get_by_role("status")).to_contain_text("Past maintenance recorded.")
    expect(page.locator("main p.meta")).to_contain_text("Completed")
    expect(page.locator("main p.meta")).to_contain_text("Ran ")
    shoot(page, f"maintenance-recorded-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_edit_and_recurring_pages(new_page, live_server, manager, width):
    """Can I rename a planned window on its Edit page, and start weekly maintenance whose
    next windows are then listed?"""
    from app.models import utcnow

    page = new_page(viewport={"width": width, "height": 900})
    login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/admin/maintenance/series/new")
    starts = (utcnow() + timedelta(days=1)).replace(minute=0)
    page.get_by_label("Title").fill("Weekly patching")
    page.get_by_label("Repeats").select_option("weekly")
    page.get_by_label("First window starts (Etc/UTC)").fill(_local(starts))
    page.get_by_label("First window ends (Etc/UTC)").fill(_local(starts + timedelta(hours=1)))
    page.get_by_label("Database").check()
    page.get_by_label("Message").fill("Servers are patched.")
    page.get_by_role("button", name="Start recurring maintenance").click()
    expect(page.get_by_role("status")).to_contain_text("Recurring maintenance started")
    windows = page.locator("#occurrences-heading + ul li")
    expect(windows).to_have_count(2)
    shoot(page, f"maintenance-series-{width}")

    windows.first.get_by_role("link").click()
    expect(page.get_by_text("One window of a")).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Title").fill("Patching, first week")
    shoot(page, f"maintenance-edit-{width}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patching, first week")
    page.goto(f"{live_server.url}/admin/maintenance")
    shoot(page, f"maintenance-list-{width}")
