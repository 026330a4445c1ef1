"""The team's own channels: do admins hear, through the subscribers' signed delivery, of
what needs them — and do subscribers never hear it?"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.delivery import send
from app.extensions import db
from app.models import Notification, NotificationKind, Subscriber, SubscriberKind, utcnow
from app.services import alert_quiet, alerts, team_channels
from tests.conftest import csrf_token_from
from tests.integration.webhooks.rows import add_subscriber
from tests.webhook_receiver import Answer, Receiver

FIRING = alerts.Alert(
    firing=True,
    labels={"alertname": "HighErrorRate", "service": "api", "severity": "critical"},
    fingerprint="fp-1",
)
RESOLVED = alerts.Alert(firing=False, labels=FIRING.labels, fingerprint="fp-1")


@pytest.fixture
def second_receiver(tls):
    server = Receiver(tls)
    yield server
    server.close()


def _deliver(app) -> None:
    for _ in range(5):
        send.run_pass(app, "test-worker")


def _events(receiver) -> list[str]:
    return [r.headers["Herald-Event"] for r in receiver.requests]


def _team_webhook(as_admin, url: str) -> str:
    """Add a webhook channel through the admin page; the signing secret it shows once."""
    page = as_admin.post("/admin/settings/team-channels/new", {"kind": "webhook", "url": url})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html.split('<code class="secret">')[1].split("<")[0]


def test_an_alert_incident_reaches_the_team_signed_and_subscribers_as_usual(
    app, sending, mail_off, receiver, second_receiver, as_admin, make_component
):
    """When monitoring opens an incident, does the team's webhook get one signed team notice
    linking the admin page, while a subscriber gets only the public incident?"""
    make_component("API")
    secret = _team_webhook(as_admin, receiver.url("/team"))
    add_subscriber(second_receiver.url("/public"))
    alerts.receive("alertmanager", [FIRING], actor="test token")
    _deliver(app)
    assert _events(receiver) == ["team.alert_incident"]
    assert _events(second_receiver) == ["incident.opened"]
    [request] = receiver.requests
    stamp = request.headers["Herald-Timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["Herald-Signature"] == f"v1={expected.hexdigest()}"
    document = json.loads(request.body)
    assert document["team"]["title"] == "HighErrorRate: API"
    assert "Alertmanager opened this incident" in document["team"]["text"]
    assert "/admin/incidents/" in document["team"]["link"]
    assert "unsubscribe" not in document["meta"]


def test_auto_resolution_reaches_the_team(app, sending, mail_off, receiver, make_component):
    """When the worker resolves an alert incident after the quiet period, is the team told?"""
    make_component("API")
    channel = add_subscriber(receiver.url("/team"))
    channel.team = True
    db.session.commit()
    alert_quiet.set_quiet_minutes("10", actor="test")
    alerts.receive("alertmanager", [FIRING], actor="test")
    alerts.receive("alertmanager", [RESOLVED], actor="test")
    assert len(alert_quiet.resolve_quiet(utcnow() + timedelta(minutes=11))) == 1
    _deliver(app)
    assert _events(receiver) == ["team.alert_incident", "team.auto_resolved"]
    document = json.loads(receiver.requests[-1].body)
    assert "No alert fired for 10 minutes" in document["team"]["text"]


def test_a_dead_letter_reaches_the_team_once_a_minute_at_most(
    app, sending, mail_off, receiver, second_receiver, make_component
):
    """When deliveries to subscribers fail for good, does the team hear of it — once, not
    once per failed delivery — and never of its own channel failing?"""
    from app.services import incidents

    channel = add_subscriber(receiver.url("/team"))
    channel.team = True
    db.session.commit()
    second_receiver.answer = Answer(status=400, body=b"bad request")
    add_subscriber(second_receiver.url("/one"))
    add_subscriber(second_receiver.url("/two"))
    incidents.open_incident(name="Slow", impact="minor", message="Looking.")
    _deliver(app)
    assert len(second_receiver.requests) == 2  # both failed for good at once
    assert _events(receiver) == ["team.dead_letter"]
    document = json.loads(receiver.requests[0].body)
    assert "HTTP 400: bad request" in document["team"]["text"]
    assert document["team"]["link"].endswith("/admin/deliveries/failed")
    receiver.answer = Answer(status=400)
    incidents.open_incident(name="Slower", impact="minor", message="Still.")
    _deliver(app)
    assert _events(receiver) == ["team.dead_letter"]  # within the minute: no second notice
    assert "waiting to be retried from the admin: 1." in document["team"]["text"]
    an_hour_ago = utcnow() - timedelta(hours=1)  # the last notice is old news now
    db.session.execute(
        update(Notification)
        .where(Notification.kind == NotificationKind.TEAM_DEAD_LETTER)
        .values(created_at=an_hour_ago)
    )
    db.session.commit()
    incidents.open_incident(name="Slowest", impact="minor", message="Again.")
    _deliver(app)
    assert _events(receiver) == ["team.dead_letter", "team.dead_letter"]
    later = json.loads(receiver.requests[-1].body)["team"]["text"]
    assert "waiting to be retried from the admin: 5." in later  # the unannounced too


def test_a_slack_channel_gets_slack_blocks_for_an_upstream_report(
    app, sending, mail_off, receiver, make_component
):
    """Does a Slack team channel get the upstream report as Slack blocks, with no
    unsubscribe link (nobody subscribed it)?"""
    from app.delivery.upstream import UpstreamIncident
    from app.models import UpstreamSource
    from app.services import upstream_reports
    from app.services.upstream import Summary

    channel = add_subscriber(receiver.url("/services/T0/B0/x"), SubscriberKind.SLACK)
    channel.team = True
    source = UpstreamSource(url="https://status.example.com/api/v2/summary.json", failures=0)
    source.page_name = "Example Cloud"
    db.session.add(source)
    db.session.commit()
    incident = UpstreamIncident(
        "abc", "Compute degraded <!channel>", "investigating", "minor", None
    )
    upstream_reports.record(source, Summary("Example Cloud", [], [incident]), "upstream", utcnow())
    db.session.commit()
    _deliver(app)
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["blocks"][0]["text"]["text"] == "Compute degraded <!channel>"
    text = json.dumps(body)
    assert "Upstream incident to review" in text and "&lt;!channel&gt;" in text
    assert "/admin/upstream-reports" in text and "unsubscribe" not in text.lower()


def test_the_team_channels_page_refuses_bad_input_and_managers(
    app, sending, as_admin, as_manager, receiver
):
    """Are a non-https URL, an email kind and a duplicate refused with a message, is a
    channel kept off the subscribers list, and is the page closed to managers?"""
    page = "/admin/settings/team-channels"
    assert as_admin.get(page).status_code == 200
    plain = as_admin.post(f"{page}/new", {"kind": "webhook", "url": "http://example.com/x"})
    assert plain.status_code == 400 and "https://" in plain.get_data(as_text=True)
    email = as_admin.post(f"{page}/new", {"kind": "email", "url": "a@example.com"})
    assert email.status_code == 400 and "Slack, Discord or a webhook" in email.get_data(
        as_text=True
    )
    slack = as_admin.post(f"{page}/new", {"kind": "slack", "url": "https://example.com/x"})
    assert slack.status_code == 400
    _team_webhook(as_admin, receiver.url("/team"))
    again = as_admin.post(f"{page}/new", {"kind": "webhook", "url": receiver.url("/team")})
    assert again.status_code == 409
    assert "/team" not in as_admin.get("/admin/subscribers").get_data(as_text=True)
    assert as_manager.get(page).status_code == 403
    [channel] = db.session.scalars(select(Subscriber).where(Subscriber.team))
    listing = as_admin.get(page).get_data(as_text=True)
    token = csrf_token_from(listing)
    removed = as_admin.client.post(f"{page}/{channel.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert team_channels.list_channels() == []


def test_the_public_cannot_take_over_a_team_channel(app, sending, mail_off, receiver):
    """When someone subscribes the team channel's address on the public page, do they get
    nothing to manage it with (no message goes to the channel, it stays a team channel)?"""
    from app.services import subscriptions

    channel = add_subscriber(receiver.url("/team"))
    channel.team = True
    db.session.commit()
    evidence = subscriptions.Evidence(at=utcnow())
    subscriptions.subscribe(receiver.url("/team"), "webhook", evidence=evidence)
    subscriptions.resend(receiver.url("/team"), "webhook", evidence=evidence)
    _deliver(app)
    assert receiver.requests == []
    db.session.expire_all()
    assert db.session.get(Subscriber, channel.id).team
