"""A visitor subscribes, confirms, manages and unsubscribes in a real browser.

The mail itself is sent by the worker (another part); here the confirmation link is built
from the queued CONFIRM notification's subscriber, exactly as the mailer builds it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Component, Notification, NotificationKind, Subscriber, SubscriberState
from tests.e2e.helpers import axe_check, describe_violations, validate_html
from tests.subscriber_fixtures import SMTP_URL, link

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server):
    """An empty page with mail on, a group "Core" (API, Database) and "Website"."""
    from app.services import component_groups, components

    live_server.reset()
    live_server.app.config["SMTP_URL"] = SMTP_URL
    with live_server.app.app_context():
        core = component_groups.create_group(name="Core")
        components.create_component(name="API", group_id=core.id)
        components.create_component(name="Database", group_id=core.id)
        components.create_component(name="Website")
    return live_server


def _confirmation_link(app) -> str:
    """The confirm link of the subscriber the (only) queued CONFIRM notification is for."""
    with app.app_context():
        notification = db.session.scalar(
            select(Notification).where(Notification.kind == NotificationKind.CONFIRM)
        )
        assert notification is not None, "no confirmation was queued"
        pending = db.session.get(Subscriber, notification.subscriber_id)
        return f"/subscribe/confirm/{link('confirm', pending)}"


def _subscriber(app, address: str) -> Subscriber:
    with app.app_context():
        found = db.session.scalar(select(Subscriber).where(Subscriber.address == address))
        db.session.expunge(found)
        return found


def _box(page, name: str):
    return page.get_by_role("checkbox", name=name, exact=True)


def _accessible(page, name: str) -> None:
    violations = axe_check(page)
    assert not violations, f"{name}:\n{describe_violations(violations)}"


def test_subscribe_confirm_manage_and_unsubscribe(site, page):
    """From the status page's menu, can I subscribe to some components, confirm through the
    link's button, change my choices, pause, and unsubscribe — every page accessible and
    valid?"""
    documents = {}
    page.goto(site.url + "/")
    page.get_by_text("Subscribe to updates").click()
    page.get_by_role("link", name="Email", exact=True).click()
    page.get_by_label("Email address").fill("ada@example.com")
    _box(page, "Database").uncheck()
    assert not _box(page, "Core (the whole group)").is_checked()  # the script follows
    page.get_by_role("button", name="Subscribe").click()

    page.wait_for_url("**/subscribe/sent")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    _accessible(page, "check your inbox")
    documents["subscribe-sent"] = page.content()
    ada = _subscriber(site.app, "ada@example.com")
    assert ada.state == SubscriberState.PENDING

    page.goto(site.url + _confirmation_link(site.app))
    assert _subscriber(site.app, "ada@example.com").state == SubscriberState.PENDING
    page.get_by_role("button", name="Confirm subscription").click()
    expect(page.get_by_role("heading", name="You are subscribed")).to_be_visible()
    _accessible(page, "confirmed")
    documents["subscribe-confirmed"] = page.content()
    ada = _subscriber(site.app, "ada@example.com")
    assert ada.state == SubscriberState.CONFIRMED and not ada.all_components

    page.get_by_role("link", name="Manage your subscription").click()
    assert _box(page, "API").is_checked() and not _box(page, "Database").is_checked()
    _box(page, "Website").uncheck()
    page.get_by_role("button", name="Save choices").click()
    expect(page.get_by_text("Your choices are saved")).to_be_visible()
    page.get_by_role("button", name="Pause updates").click()
    expect(page.get_by_text("Paused: nothing will be sent")).to_be_visible()
    assert _subscriber(site.app, "ada@example.com").paused
    page.get_by_role("button", name="Resume updates").click()
    assert not _subscriber(site.app, "ada@example.com").paused

    with site.app.app_context():
        unsubscribe = (
            f"/unsubscribe/{link('unsubscribe', _subscriber(site.app, 'ada@example.com'))}"
        )
    page.goto(site.url + unsubscribe)
    assert _subscriber(site.app, "ada@example.com").state == SubscriberState.CONFIRMED
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    _accessible(page, "unsubscribed")
    assert _subscriber(site.app, "ada@example.com").state == SubscriberState.UNSUBSCRIBED

    errors = validate_html(documents)
    assert not any(errors.values()), errors


def test_the_form_works_without_javascript(site, new_page):
    """With JavaScript off, does unticking one component of a ticked group still leave that
    component out?"""
    page = new_page(java_script_enabled=False)
    page.goto(site.url + "/subscribe")
    page.get_by_label("Email address").fill("bo@example.com")
    _box(page, "Database").uncheck()
    assert _box(page, "Core (the whole group)").is_checked()
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscribe/sent")
    with site.app.app_context():
        bo = db.session.scalar(select(Subscriber).where(Subscriber.address == "bo@example.com"))
        chosen = {db.session.get(Component, t.component_id).name for t in bo.targets}
        assert chosen == {"API", "Website"} and not bo.all_components


@pytest.fixture
def mailing_site(site):
    """The site with its worker thread running and mail going to a real SMTP sink."""
    from app.delivery import worker
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    app = site.app
    before = {key: app.config.get(key) for key in ("SMTP_URL", "SITE_URL")}
    app.config.update(SMTP_URL=sink.url, SITE_URL=site.url)
    stop = worker.start_thread(app)
    try:
        yield site, sink
    finally:
        worker.stop_thread(app, stop)
        app.config.update(before)
        sink.stop()


def _link(received, part: str) -> str:
    body = received.message.get_body(("plain",)).get_content()
    return next(word for word in body.split() if part in word)


def test_subscribe_by_mail_to_one_click_unsubscribe(mailing_site, page, tmp_path):
    """Subscribing from the page, do I get the confirmation mail, confirm from its link, get
    the next incident by mail — and after one-click unsubscribe from that mail, nothing more?"""
    from app.services import incidents

    site, sink = mailing_site
    page.goto(site.url + "/subscribe")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscribe/sent")
    (confirmation,) = sink.wait_for(1, timeout=5)
    assert confirmation.recipients == ["ada@example.com"]
    page.goto(_link(confirmation, "/subscribe/confirm/"))
    page.get_by_role("button", name="Confirm subscription").click()
    expect(page.get_by_role("heading", name="You are subscribed")).to_be_visible()

    with site.app.app_context():
        incident = incidents.open_incident(
            name="Checkout is failing", impact="major", message="We are **on it**."
        )
    update = sink.wait_for(2, timeout=5)[1]
    assert update.message["Subject"] == "[Herald Status] Checkout is failing"
    html = update.message.get_body(("html",)).get_content()
    page.set_content(html)  # the HTML part as a mail client shows it
    expect(page.get_by_role("link", name="View on the status page")).to_be_visible()
    page.screenshot(path=str(tmp_path / "mail.png"))

    unsubscribe = update.message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(site.url) and update.message["List-Unsubscribe-Post"]
    answer = page.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200  # RFC 8058: no cookie, no CSRF token, no redirect
    assert _subscriber(site.app, "ada@example.com").state == SubscriberState.UNSUBSCRIBED

    with site.app.app_context():
        incidents.post_update(incident, status="resolved", message="Fixed.")
    import time

    time.sleep(2)
    assert len(sink.to("ada@example.com")) == 2
