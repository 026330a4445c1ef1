"""The uptime days in a real Chromium: keyboard, pointer and touch open a day's popover,
Escape closes it and gives focus back, and without JavaScript the day is a link to the
history of that day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_check, describe_violations

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def outage_day(live_server):
    """The API with a 1-hour major outage two days ago; returns that day (YYYY-MM-DD)."""
    from app.models import utcnow
    from app.services import backfill, components
    from app.services.backfill import PastUpdate

    live_server.reset()
    now = utcnow()
    day = (now - timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    with live_server.app.app_context():
        api = components.create_component(name="API", now=now - timedelta(days=120), actor="t")
        backfill.backfill_incident(
            name="Database failover",
            impact="critical",
            components={api.id: "major_outage"},
            updates=[
                PastUpdate("investigating", "Looking.", start),
                PastUpdate("resolved", "Fixed.", start + timedelta(hours=1)),
            ],
            now=now,
        )
    return day.isoformat()


def _open_index(new_page, live_server, width: int, **options):
    page = new_page(viewport={"width": width, "height": 800}, **options)
    page.goto(f"{live_server.url}/")
    return page


def _popover_of(page, link):
    """The popover uptime.js built for `link` (it names it in aria-controls on first opening)."""
    return page.locator(f"#{link.get_attribute('aria-controls')}")


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_keyboard_opens_the_day_and_escape_closes_it(new_page, live_server, outage_day, screen):
    """With the keyboard only: does Enter on a day open its popover, focused, listing the
    incident with a link; does Tab reach that link; does Escape close it and focus the day?"""
    page = _open_index(new_page, live_server, WIDTHS[screen])
    link = page.locator("a.day-link").first
    assert link.is_visible()
    assert link.get_attribute("role") == "button"
    assert link.get_attribute("aria-expanded") == "false"
    assert page.locator(".day-popover").count() == 0  # built when first opened
    link.focus()
    page.keyboard.press("Enter")
    popover = _popover_of(page, link)
    expect(popover).to_be_visible()
    assert popover.evaluate("box => box.matches(':popover-open') && document.activeElement === box")
    # The popover's toggle event, which sets it, comes a moment after the popover opens.
    expect(link).to_have_attribute("aria-expanded", "true")
    assert page.url == f"{live_server.url}/"  # the script kept the link from navigating
    lines = [line for line in popover.inner_text().splitlines() if line]
    day = datetime.fromisoformat(outage_day)
    label = f"{day:%b} {day.day}, {day.year}"
    assert lines[:3] == [label, "1 hour of downtime", "Database failover"]
    assert lines[-1] == f"All of {lines[0]} in the history"
    box, viewport = popover.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]  # not cut off
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Database failover"
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    expect(link).to_have_attribute("aria-expanded", "false")
    assert link.evaluate("link => document.activeElement === link")
    page.keyboard.press(" ")  # a button answers Space too
    expect(popover).to_be_visible()
    assert page.locator(".day-popover").count() == 1  # the same popover, not a second one


def test_a_tap_opens_the_day_on_a_phone(new_page, live_server, outage_day):
    """On a touch screen 390 px wide, does a tap on the day open its popover, and a tap
    elsewhere close it?"""
    page = _open_index(new_page, live_server, 390, has_touch=True, is_mobile=True)
    link = page.locator("a.day-link").first
    link.tap()
    popover = _popover_of(page, link)
    expect(popover).to_be_visible()
    page.touchscreen.tap(5, 5)  # the page's corner, far from the popover
    expect(popover).to_be_hidden()


def test_without_javascript_the_day_links_to_its_history(new_page, live_server, outage_day):
    """Without JavaScript, does a day lead to the history of that day, naming the incident?"""
    page = _open_index(new_page, live_server, 1280, java_script_enabled=False)
    link = page.locator("a.day-link").first
    assert link.get_attribute("href") == f"/history?day={outage_day}"
    day = datetime.fromisoformat(outage_day)
    said = f"{day:%b} {day.day}, {day.year}: 1 hour of downtime: Database failover"
    assert link.get_attribute("title") == said  # its tooltip, and its name when read aloud
    assert link.get_attribute("role") is None  # a plain link
    assert page.get_by_role("link", name=said).count() == 1
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/history?day={outage_day}")
    assert "Database failover" in page.locator("main").inner_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_open_popover_is_accessible(new_page, live_server, outage_day, scheme):
    """With a day's popover open, does axe-core find no serious violation?"""
    page = _open_index(new_page, live_server, 1280, color_scheme=scheme)
    link = page.locator("a.day-link").first
    link.click()
    expect(_popover_of(page, link)).to_be_visible()
    violations = axe_check(page)
    assert not violations, describe_violations(violations)
