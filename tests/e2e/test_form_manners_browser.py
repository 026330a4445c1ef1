"""Admin forms in Chromium, by keyboard: where the focus goes, what one submit shows, and a
navigation that fits one row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_user, login

pytestmark = pytest.mark.browser

EMAIL = "manners-admin@example.com"


@pytest.fixture
def admin_page(new_page, live_server):
    live_server.reset()
    create_user(live_server.app, EMAIL, "admin")
    page = new_page(viewport={"width": 1280, "height": 800})
    login(page, live_server.url, EMAIL)
    return page


def test_new_incident_by_keyboard(admin_page, live_server):
    """Can I type the title at once, see both mistakes after one submit, and land on the
    confirmation once the incident is opened?"""
    page = admin_page
    page.goto(f"{live_server.url}/admin/incidents/new")
    expect(page.get_by_label("Title")).to_be_focused()

    page.get_by_role("button", name="Open incident").click()
    expect(page.locator(".form-errors")).to_be_focused()
    expect(page.get_by_text("Title is required.").first).to_be_visible()
    expect(page.get_by_text("Message is required.").first).to_be_visible()

    page.get_by_label("Title").fill("Slow API")
    page.get_by_label("Message").fill("Looking into it.")
    page.get_by_role("button", name="Open incident").click()
    confirmation = page.get_by_role("status").filter(has_text="Incident opened.")
    expect(confirmation).to_be_focused()


def test_admin_nav_fits_one_row_at_1280_pixels(admin_page, live_server):
    """On a 1280 px screen, are all admin links on one row, with who is logged in in view?"""
    page = admin_page
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("link", name=f"My account: {EMAIL}")).to_be_in_viewport()
    expect(page.get_by_role("button", name=f"Log out {EMAIL}")).to_be_in_viewport()
    items = page.get_by_role("navigation", name="Admin").get_by_role("link")
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert items.count() >= 9
    assert max(tops) - min(tops) <= 8, f"the nav wraps: {sorted(tops)}"
