"""Mail to subscribers, through the outbox and a real SMTP server."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import Delivery, DeliveryState, NotificationKind, Subscriber, SubscriberState
from app.services import incidents, maintenance, postmortems, subscriptions
from tests.integration.delivery.conftest import confirmed, deliver
from tests.subscriber_fixtures import at, evidence, subscriber


def _open(catalogue, **kwargs):
    return incidents.open_incident(
        name=kwargs.pop("name", "API errors"),
        impact="major",
        message="We are looking into **elevated errors**.",
        components={catalogue.api_id: "major_outage"},
        **kwargs,
    )


def _addresses(sink) -> list[str]:
    return sorted(a for r in sink.received for a in r.recipients)


def test_an_incident_reaches_exactly_those_who_follow_what_it_affects(app, mail, catalogue):
    """When the API breaks, do the whole-page, API, Core-group and incident followers get one
    mail each — and the Website-only, paused and unconfirmed subscribers none?"""
    confirmed("all@example.com")
    confirmed("api@example.com", components=[catalogue.api_id])
    confirmed("core@example.com", groups=[catalogue.group_id])
    confirmed("web@example.com", components=[catalogue.website_id])
    confirmed("paused@example.com", paused=True)
    subscriptions.subscribe("pending@example.com", "email", evidence=evidence())
    incident = _open(catalogue)
    deliver(app)
    assert _addresses(mail) == sorted(
        ["all@example.com", "api@example.com", "core@example.com", "pending@example.com"]
    ), "the pending address gets only its confirmation"
    assert [r.message["Subject"] for r in mail.to("pending@example.com")] == [
        "[Herald Status] Confirm your subscription"
    ]
    confirmed("follower@example.com", incident=incident.id)
    mail.clear()
    incidents.post_update(incident, status="identified", message="Found it.")
    deliver(app)
    assert _addresses(mail) == sorted(
        ["all@example.com", "api@example.com", "core@example.com", "follower@example.com"]
    )


def test_the_message_is_well_formed_and_its_links_work(app, mail, catalogue, client):
    """Is the mail multipart/alternative (text, then HTML), threaded, with a stable subject,
    a one-click List-Unsubscribe that really unsubscribes, and a manage link that opens?"""
    ada = confirmed("ada@example.com")
    incident = _open(catalogue)
    deliver(app)
    incidents.post_update(incident, status="identified", message="Found it.")
    deliver(app)
    first, second = (r.message for r in mail.to("ada@example.com"))
    assert first["Subject"] == second["Subject"] == "[Herald Status] API errors"
    assert first["From"] == "Status <status@example.com>" and first["To"] == "ada@example.com"
    assert first["Date"] and first["Message-ID"] != second["Message-ID"]
    assert second["In-Reply-To"] == first["Message-ID"] == second["References"]
    assert first["List-Id"] == "Herald Status <herald.127-0-0-1.localhost>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_content_type() == "multipart/alternative"
    text, html = first.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "elevated errors" in text.get_content()
    assert "<strong>elevated errors</strong>" in html.get_content()
    # How bad, and what each component is now, without opening the page.
    assert "Investigating · " in text.get_content() and "Impact: Major" in text.get_content()
    assert "Components now: API: Major Outage" in text.get_content()
    assert "Impact: <strong>Major</strong>" in html.get_content()
    assert "Components now: API: Major Outage" in html.get_content()
    follow_up = next(second.iter_parts()).get_content()
    assert "Affected: API" in follow_up and "Components now" not in follow_up  # no change
    stored = db.session.scalars(select(Delivery.message_id).order_by(Delivery.id)).all()
    assert [first["Message-ID"], second["Message-ID"]] == stored

    manage = next(w for w in text.get_content().split() if "/subscribe/manage/" in w)
    assert manage in html.get_content()
    assert client.get(urlsplit(manage).path).status_code == 200
    unsubscribe = first["List-Unsubscribe"].strip("<>")
    response = client.post(
        urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"}
    )  # what a mail client sends: no cookie, no CSRF token
    assert response.status_code == 200
    assert subscriber("ada@example.com").state == SubscriberState.UNSUBSCRIBED
    mail.clear()
    incidents.post_update(incident, status="resolved", message="Fixed.")
    deliver(app)
    assert mail.received == [] and ada.id


def test_the_confirmation_link_in_the_mail_confirms(app, mail, client):
    """Does the link in the confirmation mail lead to a button that confirms?"""
    subscriptions.subscribe("bo@example.com", "email", evidence=evidence())
    deliver(app)
    (received,) = mail.to("bo@example.com")
    body = received.message.get_body(("plain",)).get_content()
    link = next(w for w in body.split() if "/subscribe/confirm/" in w)
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and "Confirm subscription" in page.get_data(as_text=True)
    from tests.subscriber_fixtures import csrf

    client.post(path, data={"csrf_token": csrf(client, path)})
    assert subscriber("bo@example.com").state == SubscriberState.CONFIRMED


def test_no_title_can_add_a_header(app, mail, catalogue):
    """Can an incident title smuggle a Bcc: header in through a line separator?"""
    confirmed("ada@example.com")
    _open(catalogue, name="Outage\u2028Bcc: victim@example.com")
    deliver(app)
    (received,) = mail.received
    assert received.recipients == ["ada@example.com"]
    assert received.message["Bcc"] is None
    assert b"\nBcc:" not in received.raw


def test_unticking_notify_and_editing_text_send_nothing(app, mail, catalogue):
    """Does a minor edit with "Notify subscribers" unticked, or a corrected update text,
    stay quiet?"""
    confirmed("ada@example.com")
    incident = _open(catalogue, notify=False)
    update = incidents.post_update(incident, status="identified", message="Typo", notify=False)
    incidents.edit_update(update, body="Fixed the typo")
    deliver(app)
    assert mail.received == []
    incidents.post_update(incident, status="resolved", message="Done.")
    deliver(app)
    assert len(mail.received) == 1


def test_postmortem_and_maintenance_lifecycle_mails(app, mail, catalogue):
    """Do subscribers hear of a published postmortem (once), and of a maintenance scheduled,
    reminded an hour before (once, however often the clock ticks), started and completed?"""
    confirmed("ada@example.com")
    incident = _open(catalogue, notify=False)
    incidents.post_update(incident, status="resolved", message="Fixed.", notify=False)
    postmortems.save_postmortem(incident, body="What happened", publish=True)
    postmortems.save_postmortem(incident, body="What happened, edited", publish=True)
    planned = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Read-only for a while.",
        scheduled_for=at(180),
        scheduled_until=at(240),
        component_ids=[catalogue.database_id],
        now=at(0),
    )
    for minute in (100, 120, 130, 150):
        maintenance.tick(at(minute))
    maintenance.tick(at(181))
    maintenance.tick(at(241))
    deliver(app)
    subjects = {r.message["Subject"] for r in mail.received}
    assert subjects == {"[Herald Status] API errors", "[Herald Status] Database upgrade"}
    bodies = [r.message.get_body(("plain",)).get_content() for r in mail.received]
    assert [b.splitlines()[0] for b in bodies] == [
        "Postmortem published",
        f"Maintenance scheduled: {_window()}",
        "Maintenance starts in 60 minutes",
        "Maintenance started",
        "Maintenance completed",
    ]
    assert planned.id


def _window() -> str:
    return "Mar 1, 2025 12:00 UTC to Mar 1, 2025 13:00 UTC"


def test_mail_off_queues_no_email(app, catalogue, client, admin_user):
    """Without SMTP_URL, is no email delivery written, and does the admin say mail is off?"""
    from tests.conftest import Browser

    before = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = None
    try:
        confirmed("ada@example.com")
        _open(catalogue)
        deliver(app)
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
        browser = Browser(client)
        browser.login("admin@example.com")
        assert "Mail is off." in browser.get("/admin/").get_data(as_text=True)
        form = browser.get("/admin/incidents/new").get_data(as_text=True)
        assert "Notify subscribers" in form and "Mail is off" in form
    finally:
        app.config["SMTP_URL"] = before


def test_fan_out_in_small_batches_sends_each_once(app, mail, catalogue):
    """Fanned out two recipients at a time, and run again, does each subscriber still get
    exactly one copy?"""
    app.config["FANOUT_BATCH"] = 2
    try:
        for n in range(5):
            confirmed(f"s{n}@example.com")
        _open(catalogue)
        deliver(app)
        deliver(app)
    finally:
        app.config["FANOUT_BATCH"] = 1000
    assert _addresses(mail) == [f"s{n}@example.com" for n in range(5)]
    states = db.session.scalars(select(Delivery.state)).all()
    assert states == [DeliveryState.SENT] * 5


def test_the_outbox_kind_is_queued_with_the_update(app, catalogue):
    """Is the notification written in the update's own transaction (before any worker)?"""
    from tests.subscriber_fixtures import queued

    incident = _open(catalogue)
    incidents.post_update(incident, status="identified", message="Found it.")
    kinds = [n.kind for n in queued()]
    assert kinds == [NotificationKind.INCIDENT_OPENED, NotificationKind.INCIDENT_UPDATED]
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
