"""Every page a visitor or manager sees: accessible (axe-core) in both colour schemes, and
valid HTML (the Nu checker), with realistic content on it."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.helpers import axe_check, create_user, describe_violations, login, validate_html
from tests.subscriber_fixtures import seed_subscribers

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "quality-admin@example.com"
# Refused forms shown again, with 400: a custom period that ends before it starts, and
# one whose days are no dates (which a date input cannot hold).
REFUSED = {
    "/admin/metrics?period=custom&since=2025-11-30&until=2025-11-01",
    "/admin/metrics?period=custom&since=garbage&until=x",
}


@pytest.fixture(scope="module")
def seeded(live_server):
    """A page with content on every part: groups, an active incident, a resolved one with a
    published postmortem, upcoming maintenance, and two accounts. Returns the ids."""
    from app.models import utcnow
    from app.services import (
        api_tokens,
        component_groups,
        components,
        incident_templates,
        incidents,
        maintenance,
        maintenance_series,
        postmortems,
    )

    live_server.reset()
    create_user(live_server.app, ADMIN_EMAIL, "admin")
    create_user(live_server.app, "quality-manager@example.com", "manager")
    now = utcnow()
    with live_server.app.app_context():
        core = component_groups.create_group(
            name="Core services", description="What the app runs on"
        )
        api = components.create_component(
            name="API", group_id=core.id, description="REST and webhooks"
        )
        database = components.create_component(name="Database", group_id=core.id)
        website = components.create_component(name="Website")

        resolved = incidents.open_incident(
            name="Login outage",
            impact="critical",
            message="Nobody can log in.",
            components={website.id: "major_outage"},
            now=now - timedelta(days=2, hours=3),
        )
        incidents.post_update(
            resolved,
            status="resolved",
            message="Logins work again.",
            restore_components=True,
            now=now - timedelta(days=2, hours=2),
        )
        postmortems.save_postmortem(
            resolved,
            body="## What happened\n\nAn expired certificate.\n\n- renewed it\n- added an alert\n\n"
            "[Runbook](https://example.com/runbook)",
            publish=True,
        )

        active = incidents.open_incident(
            name="Elevated API errors",
            impact="major",
            message="We are **investigating** elevated error rates.",
            components={api.id: "partial_outage"},
            now=now - timedelta(minutes=40),
        )
        incidents.post_update(
            active, status="identified", message="A faulty node; replacing it.", now=now
        )

        planned = maintenance.schedule_maintenance(
            name="Database upgrade",
            message="The database moves to a new version.",
            scheduled_for=now + timedelta(days=1),
            scheduled_until=now + timedelta(days=1, hours=2),
            component_ids=[database.id],
        )
        patching = maintenance_series.create_series(
            name="Weekly patching",
            message="Servers are patched.",
            cadence="weekly",
            first_start=now + timedelta(days=2),
            first_end=now + timedelta(days=2, hours=1),
            component_ids=[website.id],
        )
        api_tokens.create_token(name="Deploy pipeline", role="manager", actor="test")
        outage = incident_templates.create_template(
            name="API outage",
            title="API unavailable",
            body="The API is **not answering**; we are on it.",
            impact="critical",
            components={api.id: "major_outage", database.id: "degraded_performance"},
        )
        watching = incident_templates.create_template(
            name="Fix deployed",
            kind="update",
            body="A fix is live; we are watching.",
            update_status="monitoring",
            notify=False,
            components={api.id: "operational"},
        )
        ids = {
            "template": outage.id,
            "update_template": watching.id,
            "active": active.id,
            "resolved": resolved.id,
            "maintenance": planned.id,
            "series": patching.id,
        }
    paths = seed_subscribers(live_server.app, ids["resolved"], ids["active"])
    return (
        ids | paths | _failed_delivery(live_server.app, ids["active"]) | _upstream(live_server.app)
    )


def _upstream(app) -> dict[str, int]:
    """The API following a vendor's page that now fails, with one report waiting."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import (
        Component,
        ComponentStatus,
        Subscriber,
        SubscriberKind,
        SubscriberState,
        UpstreamFollow,
        UpstreamReport,
        UpstreamSource,
        utcnow,
    )

    with app.app_context():
        api = db.session.scalar(select(Component).where(Component.name == "API"))
        api.operated_by = "Example Cloud"
        source = UpstreamSource(
            url="https://status.example-cloud.com/api/v2/summary.json",
            page_name="Example Cloud",
            listing=[{"id": "abc123", "name": "Compute", "status": "operational"}],
            failures=2,
            last_error="HTTP 503",
            last_error_at=utcnow(),
            last_ok_at=utcnow(),
        )
        db.session.add(source)
        db.session.flush()
        db.session.add(
            UpstreamFollow(
                component_id=api.id,
                source_id=source.id,
                upstream_component="abc123",
                upstream_name="Compute",
                upstream_status=ComponentStatus.OPERATIONAL,
            )
        )
        report = UpstreamReport(
            source_id=source.id,
            upstream_id="inc1",
            name="Degraded compute in eu-west",
            upstream_status="investigating",
            impact="minor",
            link="https://stspg.io/example",
            updates=[{"status": "investigating", "body": "We are looking.", "at": "10:00"}],
            component_ids=[api.id],
        )
        db.session.add(report)
        db.session.add(
            Subscriber(
                kind=SubscriberKind.SLACK,
                address="https://hooks.slack.com/services/T0/B0/team",
                team=True,
                state=SubscriberState.CONFIRMED,
                token_nonce="team",
                last_error="HTTP 500: slack is down",
            )
        )
        db.session.commit()
        return {"followed": api.id, "report": report.id}


def _failed_delivery(app, incident_id: int) -> dict[str, int]:
    """A failed delivery to the confirmed subscriber, for the subscriber and dead-letter pages."""
    from app.extensions import db
    from app.models import (
        Delivery,
        DeliveryState,
        Notification,
        NotificationKind,
        SubscriberKind,
        Suppression,
        SuppressionReason,
        utcnow,
    )
    from app.services.suppressions import fingerprint
    from tests.subscriber_fixtures import subscriber

    with app.app_context():
        ada = subscriber("ada@example.com")
        outage = Notification(kind=NotificationKind.INCIDENT_OPENED, incident_id=incident_id)
        db.session.add(outage)
        db.session.flush()
        db.session.add_all(
            [
                Delivery(notification_id=outage.id, subscriber_id=ada.id, state="sent"),
                Delivery(
                    notification_id=outage.id,
                    subscriber_id=subscriber("pending@example.com").id,
                    state=DeliveryState.DEAD,
                    attempts=8,
                    last_error="550 5.1.1 <pending@example.com>: Recipient address rejected",
                ),
                Suppression(
                    kind=SubscriberKind.EMAIL,
                    address_hash=fingerprint(SubscriberKind.EMAIL, "gone@example.com"),
                    reason=SuppressionReason.COMPLAINED,
                    created_at=utcnow(),
                ),
            ]
        )
        db.session.commit()
        return {"subscriber": ada.id}


def _resolved_day() -> str:
    """The day `seeded` opened its resolved incident (its uptime bar links there); any past
    day's history is a page to check, so a test run across midnight still checks one."""
    return (datetime.now(UTC) - timedelta(days=2, hours=3)).date().isoformat()


def _pages(ids: dict) -> list[tuple[str, str, bool]]:
    """(name, path, needs a logged-in admin) for every page checked."""
    return [
        ("public-index", "/", False),
        ("public-incident", f"/incidents/{ids['active']}", False),
        ("public-incident-postmortem", f"/incidents/{ids['resolved']}", False),
        ("public-history", "/history", False),
        ("public-history-day", f"/history?day={_resolved_day()}", False),
        ("public-uptime", "/uptime", False),
        ("public-404", "/no-such-page", False),
        ("public-subscribe", "/subscribe", False),
        ("public-subscribe-webhook", "/subscribe?kind=webhook", False),
        ("public-follow-incident", f"/subscribe?incident={ids['active']}", False),
        ("public-subscribe-confirm", ids["subscribe_confirm"], False),
        ("public-subscribe-manage", ids["subscribe_manage"], False),
        ("public-unsubscribe", ids["unsubscribe"], False),
        ("public-unsubscribed", ids["unsubscribed"], False),
        ("admin-login", "/admin/login", False),
        ("admin-dashboard", "/admin/", True),
        ("admin-components", "/admin/components", True),
        ("admin-incidents", "/admin/incidents", True),
        ("admin-incident", f"/admin/incidents/{ids['active']}", True),
        ("admin-incident-new", "/admin/incidents/new", True),
        ("admin-incident-backfill", "/admin/incidents/backfill", True),
        ("admin-maintenance", "/admin/maintenance", True),
        ("admin-maintenance-new", "/admin/maintenance/new", True),
        ("admin-maintenance-show", f"/admin/maintenance/{ids['maintenance']}", True),
        ("admin-maintenance-edit", f"/admin/maintenance/{ids['maintenance']}/edit", True),
        ("admin-maintenance-past", "/admin/maintenance/past", True),
        ("admin-maintenance-series-new", "/admin/maintenance/series/new", True),
        ("admin-maintenance-series", f"/admin/maintenance/series/{ids['series']}", True),
        ("admin-users", "/admin/users", True),
        ("admin-settings", "/admin/settings", True),
        ("admin-embed", "/admin/embed", True),
        ("admin-embed-preview-script", "/admin/embed/preview/embed-script", True),
        ("admin-embed-preview-iframe", "/admin/embed/preview/embed-iframe?theme=dark", True),
        ("admin-account", "/admin/account", True),
        ("admin-two-factor-setup", "/admin/account/two-factor", True),
        ("admin-audit", "/admin/audit", True),
        ("admin-subscribers", "/admin/subscribers", True),
        ("admin-subscriber", f"/admin/subscribers/{ids['subscriber']}", True),
        ("admin-subscriber-remove", f"/admin/subscribers/{ids['subscriber']}/remove", True),
        ("admin-subscriber-import", "/admin/subscribers/import", True),
        ("admin-deliveries-failed", "/admin/deliveries/failed", True),
        ("admin-suppressed", "/admin/subscribers/suppressed?address=gone%40example.com", True),
        ("admin-api-tokens", "/admin/api-tokens", True),
        ("admin-alert-rules", "/admin/alert-rules", True),
        ("admin-templates", "/admin/templates", True),
        ("admin-template-new", "/admin/templates/new", True),
        ("admin-template-edit", f"/admin/templates/{ids['template']}/edit", True),
        ("admin-template-delete", f"/admin/templates/{ids['template']}/delete", True),
        ("admin-incident-new-filled", f"/admin/incidents/new?template={ids['template']}", True),
        (
            "admin-incident-update-filled",
            f"/admin/incidents/{ids['active']}?template={ids['update_template']}",
            True,
        ),
        ("admin-incident-edit", f"/admin/incidents/{ids['active']}/edit", True),
        ("admin-priority-matrix", "/admin/settings/priority", True),
        ("admin-metrics", "/admin/metrics", True),
        ("admin-metrics-component-90-days", "/admin/metrics?period=90&component=1", True),
        (
            "admin-metrics-refused",
            "/admin/metrics?period=custom&since=2025-11-30&until=2025-11-01",
            True,
        ),
        ("admin-metrics-no-dates", "/admin/metrics?period=custom&since=garbage&until=x", True),
        ("admin-component-upstream", f"/admin/components/{ids['followed']}/upstream", True),
        ("admin-upstream-reports", "/admin/upstream-reports", True),
        ("admin-team-channels", "/admin/settings/team-channels", True),
        ("admin-incident-from-report", f"/admin/incidents/new?report={ids['report']}", True),
    ]


PAGE_NAMES = [name for name, _, _ in _pages(defaultdict(str))]


def _status(path: str) -> int:
    """What the page answers: 404 for the missing page, 400 for a refused form shown again."""
    if path == "/no-such-page":
        return 404
    return 400 if path in REFUSED else 200


@pytest.fixture(scope="module")
def admin_state(browser, live_server, seeded):
    """The cookies of a logged-in admin, so each check needs no login of its own."""
    context = browser.new_context()
    try:
        page = context.new_page()
        login(page, live_server.url, ADMIN_EMAIL)
        return context.storage_state()
    finally:
        context.close()


def _open(new_page, live_server, path, logged_in, admin_state, **options):
    page = new_page(storage_state=admin_state if logged_in else None, **options)
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None
    expected = _status(path)
    assert response.status == expected, f"{path} answered {response.status}"
    if logged_in:
        assert "/admin/login" not in page.url, f"{path} sent the admin to the login page"
    return page


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_serious_accessibility_violation(
    name, new_page, live_server, seeded, admin_state
):
    """Can everyone use this page — axe-core finds no serious or critical violation, in the
    light and the dark colour scheme?"""
    path, logged_in = next((p, a) for n, p, a in _pages(seeded) if n == name)
    page = _open(new_page, live_server, path, logged_in, admin_state)
    page.wait_for_load_state("load")
    found = {}
    # One page load checked in both schemes: switching the emulated scheme restyles the
    # page at once, and loading it again would only repeat the same work.
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        if violations := axe_check(page):
            found[scheme] = describe_violations(violations)

    report = "\n".join(f"{name} ({scheme}), {path}:\n{text}" for scheme, text in found.items())
    assert not found, report


def test_every_page_is_valid_html(browser, live_server, seeded, admin_state):
    """Is every page valid HTML according to the Nu checker (one batch run for all)?"""
    documents = {}
    anonymous = browser.new_context()
    admin = browser.new_context(storage_state=admin_state)
    try:
        for name, path, logged_in in _pages(seeded):
            response = (admin if logged_in else anonymous).request.get(f"{live_server.url}{path}")
            assert response.status == _status(path), f"{path} answered {response.status}"
            documents[name] = response.text()
    finally:
        anonymous.close()
        admin.close()

    errors = validate_html(documents)

    invalid = {name: found for name, found in errors.items() if found}
    report = "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in invalid.items())
    assert not invalid, f"Nu checker errors:\n{report}"


# Whatever sticks out past the right edge of its card (or of main) without a scroller of
# its own between them: on a phone, that is cut off or widens the page.
_SPILLS = """() => {
  const found = [];
  for (const box of document.querySelectorAll('.card, main')) {
    const edge = box.getBoundingClientRect().right;
    for (const el of box.querySelectorAll('*')) {
      const right = el.getBoundingClientRect().right;
      if (right <= edge + 1) continue;
      let up = el.parentElement, scrolls = false;
      while (up && up !== box && !scrolls) {
        scrolls = ['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX);
        up = up.parentElement;
      }
      if (!scrolls) {
        const what = `${el.tagName.toLowerCase()}.${el.className}`;
        found.push(`${what} ends at ${Math.round(right)} px, its box at ${Math.round(edge)}`);
      }
    }
  }
  return found.slice(0, 3);
}"""


def test_every_page_fits_a_phone(browser, live_server, seeded, admin_state):
    """On a 375 px wide phone, does every page keep its content inside its cards?"""
    spilling = {}
    for logged_in in (False, True):
        context = browser.new_context(
            viewport={"width": 375, "height": 800},
            storage_state=admin_state if logged_in else None,
        )
        try:
            page = context.new_page()
            for name, path, needs_login in _pages(seeded):
                if needs_login != logged_in:
                    continue
                page.goto(f"{live_server.url}{path}")
                if found := page.evaluate(_SPILLS):
                    spilling[f"{name} ({path})"] = found
        finally:
            context.close()
    assert not spilling, "\n".join(f"{name}: {found}" for name, found in spilling.items())
