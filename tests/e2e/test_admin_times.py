"""Admin screens in one time zone, whatever zone the manager's browser is in."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.e2e.helpers import axe_check, create_user, login

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    """Save a screenshot to look at by eye, when HERALD_SHOTS names a folder."""
    if folder := os.environ.get("HERALD_SHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _display_zone(app, zone: str) -> None:
    from app.extensions import db
    from app.services.page import bump_version

    with app.app_context():
        db.session.execute(text("UPDATE page_settings SET time_zone = :zone"), {"zone": zone})
        bump_version()
        db.session.commit()


@pytest.fixture
def paris_maintenance(live_server):
    """Maintenance on Jul 1, 2099 from 09:00 to 11:30 Paris time, the page shown in Paris."""
    from app.services import maintenance

    live_server.reset()
    email = create_user(live_server.app, "times@example.com", "manager")
    _display_zone(live_server.app, "Europe/Paris")
    with live_server.app.app_context():
        planned = maintenance.schedule_maintenance(
            name="Database upgrade",
            message="Planned.",
            scheduled_for=datetime(2099, 7, 1, 7, 0, tzinfo=UTC),
            scheduled_until=datetime(2099, 7, 1, 9, 30, tzinfo=UTC),
        )
        planned_id = planned.id
    yield email, planned_id
    _display_zone(live_server.app, "Etc/UTC")


@pytest.mark.parametrize("width", [1280, 390])
def test_heading_and_input_agree_in_a_browser_elsewhere(
    new_page, live_server, paris_maintenance, width
):
    """From a browser in New York, does the maintenance page's heading say 09:00 (UTC+02:00)
    — the Paris time the reschedule input holds — after its scripts ran?"""
    email, maintenance_id = paris_maintenance
    page = new_page(timezone_id="America/New_York", viewport={"width": width, "height": 900})
    login(page, live_server.url, email)
    page.goto(f"{live_server.url}/admin/maintenance/{maintenance_id}")
    page.wait_for_load_state("load")
    window = page.locator("main p.meta time")
    assert window.nth(0).inner_text() == "Jul 1, 2099 09:00 (UTC+02:00)"
    assert window.nth(1).inner_text() == "Jul 1, 2099 11:30 (UTC+02:00)"
    starts = page.get_by_label("Starts (Europe/Paris)")
    assert starts.input_value() == "2099-07-01T09:00"
    shoot(page, f"maintenance-times-paris-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_says_when_its_links_point_elsewhere(new_page, live_server, width):
    """Opened at localhost while the public address is 127.0.0.1, does the admin say so at
    the top of the page (readable in both colour schemes), and the settings page show the
    address links start with?"""
    live_server.reset()
    email = create_user(live_server.app, "address@example.com", "admin")
    other = live_server.url.replace("127.0.0.1", "localhost")
    page = new_page(viewport={"width": width, "height": 900})
    login(page, other, email)
    page.goto(f"{other}/admin/settings")
    warning = page.locator(".address-warning")
    assert f"You are using this admin at {other}" in warning.inner_text()
    assert live_server.url in page.locator(".public-address").inner_text()
    shoot(page, f"settings-address-warning-{width}")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert axe_check(page) == [], scheme
    shoot(page, f"settings-address-warning-dark-{width}")
