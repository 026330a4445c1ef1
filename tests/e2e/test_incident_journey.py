"""An incident from first report to resolution, as a manager runs it and visitors see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import create_user, login

pytestmark = pytest.mark.browser

COMPONENT = "Checkout API"
INCIDENT = "Checkout requests failing"


@pytest.fixture
def visit(new_page, live_server):
    """Open a public path as a new visitor would: a fresh browser, nothing cached."""

    def open_public(path: str, **context_options):
        page = new_page(**context_options)
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.ok, f"{path} answered {response.status}"
        return page

    return open_public


def _component_id(app, name: str) -> int:
    from app.extensions import db
    from app.models import Component

    with app.app_context():
        return db.session.scalar(select(Component.id).where(Component.name == name))


def _incident_id(app, name: str) -> int:
    from app.extensions import db
    from app.models import Incident

    with app.app_context():
        return db.session.scalar(select(Incident.id).where(Incident.name == name))


def _component_row(page, name: str):
    return page.locator("li.component").filter(has=page.locator(".component-name", has_text=name))


def _post_update(admin, status: str, message: str) -> None:
    admin.select_option('select[name="status"]', status)
    admin.fill('textarea[name="message"]', message)
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".flash, [role=status], [role=alert]").first).to_be_visible()


def _expect_public(visit, incident_id: int, *, banner: str, word: str, active: str | None):
    """Check `/` (banner, component word, active incident) and return the incident page."""
    home = visit("/")
    expect(home.locator(".banner")).to_have_text(banner)
    expect(_component_row(home, COMPONENT).locator(".status")).to_have_text(word)
    active_section = home.locator('section[aria-labelledby="active-incidents"]')
    if active is None:
        expect(active_section).to_have_count(0)
    else:
        expect(active_section.get_by_role("link", name=INCIDENT)).to_be_visible()
        expect(active_section.locator(".pill").first).to_have_text(active)
    return visit(f"/incidents/{incident_id}")


def test_incident_from_open_to_resolved(page, visit, live_server):
    """Does each step a manager takes — open, identified, monitoring, resolved — show at once
    on the status page, the incident's page and the history?"""
    live_server.reset()
    email = create_user(live_server.app, "journey-admin@example.com", "admin")
    admin = page
    login(admin, live_server.url, email)

    # A component, created through the admin form.
    admin.goto(f"{live_server.url}/admin/components/new")
    admin.fill('input[name="name"]', COMPONENT)
    admin.get_by_role("button", name="Create component").click()
    expect(admin.get_by_role("row", name=COMPONENT)).to_be_visible()
    component_id = _component_id(live_server.app, COMPONENT)

    home = visit("/")
    expect(home.locator(".banner")).to_have_text("All Systems Operational")
    expect(_component_row(home, COMPONENT).locator(".status")).to_have_text("Operational")

    # Open the incident: the checkout API is down.
    admin.goto(f"{live_server.url}/admin/incidents/new")
    admin.fill('input[name="title"]', INCIDENT)
    admin.select_option('select[name="impact"]', "critical")
    admin.select_option('select[name="status"]', "investigating")
    admin.select_option(f'select[name="component-{component_id}"]', "major_outage")
    admin.fill('textarea[name="message"]', "We are investigating failed checkouts.")
    admin.get_by_role("button", name="Open incident").click()
    admin.wait_for_url("**/admin/incidents/*")
    incident_id = _incident_id(live_server.app, INCIDENT)
    assert admin.url.endswith(f"/admin/incidents/{incident_id}")

    detail = _expect_public(
        visit,
        incident_id,
        banner="Major System Outage",
        word="Major Outage",
        active="Investigating",
    )
    expect(detail.locator(".timeline-status")).to_have_text(["Investigating"])
    expect(visit("/history").get_by_role("link", name=INCIDENT)).to_have_count(0)

    # Identified, then monitoring: the timeline grows, newest first.
    _post_update(admin, "identified", "A bad deploy; rolling back.")
    detail = _expect_public(
        visit, incident_id, banner="Major System Outage", word="Major Outage", active="Identified"
    )
    expect(detail.locator(".timeline-status")).to_have_text(["Identified", "Investigating"])

    _post_update(admin, "monitoring", "Rolled back; watching error rates.")
    detail = _expect_public(
        visit, incident_id, banner="Major System Outage", word="Major Outage", active="Monitoring"
    )
    expect(detail.locator(".timeline-status")).to_have_text(
        ["Monitoring", "Identified", "Investigating"]
    )
    expect(detail.locator(".timeline .prose").first).to_contain_text("watching error rates")

    # Resolved, returning the component to operational.
    admin.select_option('select[name="status"]', "resolved")
    admin.check('input[name="restore_components"]')
    admin.fill('textarea[name="message"]', "Checkouts work again.")
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".flash, [role=status], [role=alert]").first).to_be_visible()

    detail = _expect_public(
        visit, incident_id, banner="All Systems Operational", word="Operational", active=None
    )
    expect(detail.locator(".timeline-status")).to_have_text(
        ["Resolved", "Monitoring", "Identified", "Investigating"]
    )
    expect(detail.locator(".pill")).to_have_text("Resolved")
    history = visit("/history")
    expect(history.get_by_role("link", name=INCIDENT)).to_be_visible()


def test_status_page_works_without_javascript(visit, live_server):
    """With JavaScript off, does a visitor still read the banner, the active incident and
    every component's status, and can they open a collapsed group?"""
    live_server.reset()
    from app.services import component_groups, components, incidents

    with live_server.app.app_context():
        core = component_groups.create_group(name="Core services")
        components.create_component(name="Database", group_id=core.id)
        components.create_component(name="Search", group_id=core.id)
        web = components.create_component(name="Website")
        incidents.open_incident(
            name="Slow pages",
            impact="minor",
            message="Pages load slowly.",
            components={web.id: "degraded_performance"},
        )

    page = visit("/", java_script_enabled=False)

    expect(page.locator(".banner")).to_have_text("Minor Service Outage")
    active = page.locator('section[aria-labelledby="active-incidents"]')
    expect(active.get_by_role("link", name="Slow pages")).to_be_visible()
    expect(_component_row(page, "Website").locator(".status")).to_have_text("Degraded Performance")
    group = page.locator("li.component-group")
    expect(group.locator("summary .status")).to_have_text("Operational")
    database = _component_row(page, "Database")
    expect(database).to_be_hidden()
    group.locator("summary").click()
    expect(database).to_be_visible()
    expect(database.locator(".status")).to_have_text("Operational")
