"""Incident templates in Chromium with JavaScript off: one click fills the form, what I
typed stays, and Enter still presses the form's own button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_user, login

pytestmark = pytest.mark.browser

EMAIL = "templates-manager@example.com"


@pytest.fixture
def manager_page(new_page, live_server):
    from app.services import components, incident_templates

    live_server.reset()
    create_user(live_server.app, EMAIL, "manager")
    with live_server.app.app_context():
        api = components.create_component(name="API")
        incident_templates.create_template(
            name="API outage",
            title="API unavailable",
            body="The API is not answering; we are on it.",
            impact="critical",
            components={api.id: "major_outage"},
        )
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    login(page, live_server.url, EMAIL)
    return page


def test_one_click_fills_the_form_and_keeps_what_i_typed(manager_page, live_server):
    """Without JavaScript, does one click on a template fill the empty message, impact and
    components, keep the title I typed (saying so, where the focus lands), post nothing,
    and then open the incident?"""
    page = manager_page
    page.goto(f"{live_server.url}/admin/incidents/new")
    page.get_by_label("Title").fill("Payments API down")
    page.get_by_role("button", name="API outage").click()

    expect(page.get_by_role("status")).to_contain_text("Filled in from “API outage”")
    expect(page.get_by_role("status")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("Payments API down")
    expect(page.get_by_label("Message")).to_have_value("The API is not answering; we are on it.")
    expect(page.get_by_label("Impact", exact=True)).to_have_value("critical")
    expect(page.get_by_label("API now Operational")).to_have_value("major_outage")

    page.get_by_role("button", name="Use the template’s title instead").click()
    expect(page.get_by_label("Title")).to_have_value("API unavailable")

    page.get_by_role("button", name="Open incident", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Incident opened.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("API unavailable")


def test_enter_in_the_title_presses_open_incident_not_a_template(manager_page, live_server):
    """When I press Enter in the title, is the form submitted as “Open incident” (its
    mistakes shown), rather than filled from the first template?"""
    page = manager_page
    page.goto(f"{live_server.url}/admin/incidents/new")
    page.get_by_label("Title").fill("Typed title")
    page.get_by_label("Title").press("Enter")
    expect(page.get_by_text("Message is required.").first).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.get_by_label("Title")).to_have_value("Typed title")
