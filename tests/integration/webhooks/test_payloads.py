"""What each kind of subscriber receives for each kind of notification, as the receiver
parses it: Statuspage's webhook JSON, Slack Block Kit, a Discord embed."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.delivery import webhooks
from app.delivery.outcome import Result
from app.delivery.payloads import INCIDENT_KINDS
from app.models import (
    NotificationKind,
    SubscriberKind,
    SubscriberState,
    utcnow,
)
from app.services import incidents, maintenance, postmortems, subscriber_tokens, subscriptions
from app.services.subscriber_tokens import Purpose
from tests.integration.webhooks.rows import add_delivery, add_subscriber
from tests.subscriber_fixtures import csrf, evidence, subscriber

INCIDENT_KEYS = {
    "backfilled", "created_at", "impact", "impact_override", "monitoring_at",
    "postmortem_body", "postmortem_body_last_updated_at", "postmortem_ignored",
    "postmortem_notified_subscribers", "postmortem_notified_twitter",
    "postmortem_published_at", "resolved_at", "scheduled_auto_transition", "scheduled_for",
    "scheduled_remind_prior", "scheduled_reminded_at", "scheduled_until", "shortlink",
    "status", "updated_at", "id", "organization_id", "incident_updates", "components", "name",
    # Statuspage's newer keys, beside the older ones.
    "started_at", "page_id", "metadata", "reminder_intervals", "scheduled_auto_in_progress",
    "scheduled_auto_completed",
}  # fmt: skip
UPDATE_KEYS = {
    "body", "created_at", "display_at", "status", "twitter_updated_at", "updated_at",
    "wants_twitter_update", "id", "incident_id", "affected_components",
}  # fmt: skip
HOSTILE = "<!channel> & <@U123> @everyone"


@pytest.fixture
def story(app, catalogue):
    """An incident on the API (opened, updated, resolved, postmortem published), a maintenance
    of the Database, and the Website's status change: what every notification is about."""
    opened = incidents.open_incident(
        name="API errors",
        impact="major",
        message="We are investigating errors on the API.",
        components={catalogue.api_id: "major_outage"},
    )
    first = opened.updates[0].id
    update = incidents.post_update(opened, status="monitoring", message="A fix is out.")
    resolved = incidents.post_update(
        opened, status="resolved", message="All good.", restore_components=True
    )
    postmortems.save_postmortem(opened, body="What happened, and what we changed.", publish=True)
    starts = utcnow() + timedelta(days=2)
    planned = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Upgrading the primary.",
        scheduled_for=starts,
        scheduled_until=starts + timedelta(hours=2),
        component_ids=[catalogue.database_id],
    )
    about = {
        NotificationKind.INCIDENT_OPENED: {"incident_id": opened.id, "update_id": first},
        NotificationKind.INCIDENT_UPDATED: {"incident_id": opened.id, "update_id": update.id},
        NotificationKind.POSTMORTEM_PUBLISHED: {"incident_id": opened.id},
        NotificationKind.COMPONENT_UPDATED: {
            "component_id": catalogue.website_id,
            "details": {"old_status": "operational", "new_status": "partial_outage"},
        },
    }
    for kind in INCIDENT_KINDS:
        if kind.value.startswith("maintenance."):
            about[kind] = {"incident_id": planned.id, "update_id": planned.updates[0].id}
    about[NotificationKind.CONFIRM] = about[NotificationKind.ALREADY_SUBSCRIBED] = {}
    for kind in NotificationKind:
        if kind.is_team:  # what services/team_channels.py writes
            about[kind] = {
                "incident_id": opened.id,
                "details": {"title": "T" * 400, "text": "x " * 3000, "endpoint": "admin.dashboard"},
            }
    return {"about": about, "resolved_update": resolved.id, "first_update": first}


def _received(receiver, story, kind: SubscriberKind, notification: NotificationKind) -> dict:
    receiver.requests.clear()
    who = add_subscriber(receiver.url(f"/{kind.value}/{notification.value}"), kind)
    delivery = add_delivery(who, notification, **story["about"][notification])
    outcome = webhooks.deliver(delivery)
    assert outcome.result == Result.SENT, outcome
    [request] = receiver.requests
    return json.loads(request.body)


@pytest.mark.parametrize("notification", sorted(INCIDENT_KINDS))
def test_a_webhook_gets_statuspages_incident_shape(sending, receiver, story, notification):
    """Does every incident and maintenance notification arrive as Statuspage's `incident`
    webhook, with `meta` and `page`, and every update newest first?"""
    document = _received(receiver, story, SubscriberKind.WEBHOOK, notification)
    assert set(document) == {"meta", "page", "incident"}
    assert set(document["meta"]) == {"unsubscribe", "documentation", "event", "update_id"}
    assert document["meta"]["event"] == notification.value
    assert set(document["page"]) == {"id", "status_indicator", "status_description"}
    incident = document["incident"]
    assert set(incident) == INCIDENT_KEYS
    assert incident["shortlink"] == f"https://status.example.com/incidents/{incident['id']}"
    assert incident["organization_id"] == document["page"]["id"]
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_KEYS and update["incident_id"] == incident["id"]
    times = [u["display_at"] for u in incident["incident_updates"]]
    assert incident["page_id"] == incident["organization_id"]
    assert times == sorted(times, reverse=True)
    if notification == NotificationKind.INCIDENT_OPENED:
        assert document["meta"]["update_id"] == str(story["first_update"])
        assert incident["name"] == "API errors" and incident["impact"] == "major"
        assert [c["name"] for c in incident["components"]] == ["API"]
        opening = incident["incident_updates"][-1]
        assert opening["affected_components"][0]["new_status"] == "major_outage"
    if notification == NotificationKind.POSTMORTEM_PUBLISHED:
        # As Statuspage sends it: the postmortem as the newest update, status "postmortem".
        assert incident["postmortem_body"] == "What happened, and what we changed."
        assert incident["postmortem_published_at"].endswith("Z")
        assert incident["status"] == "postmortem"
        newest = incident["incident_updates"][0]
        assert newest["status"] == "postmortem" and newest["body"] == incident["postmortem_body"]
    if notification.value.startswith("maintenance."):
        assert incident["scheduled_for"] and incident["scheduled_until"]
        assert incident["status"] == "scheduled"


def test_a_webhook_gets_statuspages_component_update_shape(sending, receiver, story):
    """Does a component's change arrive as Statuspage's `component_update` webhook?"""
    document = _received(
        receiver, story, SubscriberKind.WEBHOOK, NotificationKind.COMPONENT_UPDATED
    )
    assert set(document) == {"meta", "page", "component_update", "component"}
    change, component = document["component_update"], document["component"]
    assert set(change) == {"created_at", "new_status", "old_status", "id", "component_id"}
    assert (change["old_status"], change["new_status"]) == ("operational", "partial_outage")
    assert component["name"] == "Website" and change["component_id"] == component["id"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "status.example.com"
    return parts.path


def test_the_confirmation_reaches_the_endpoint_with_a_link_that_works(
    sending, receiver, client, mail_off
):
    """Can whoever reads the endpoint confirm from the link in the JSON, and then see the
    signing secret that signed that very request?"""
    url = receiver.url()
    subscriptions.subscribe(url, "webhook", evidence=evidence())
    hook = subscriber(url, "webhook")
    delivery = add_delivery(hook, NotificationKind.CONFIRM)
    assert webhooks.deliver(delivery).result == Result.SENT
    [request] = receiver.requests
    document = json.loads(request.body)
    assert set(document) == {"meta", "page", "subscription"}
    assert document["subscription"]["state"] == "pending"
    assert document["subscription"]["confirm_within_hours"] == 48
    path = _path(document["subscription"]["confirm_url"])
    page = client.post(path, data={"csrf_token": csrf(client, path)}).get_data(as_text=True)
    assert "You are subscribed" in page and hook.signing_secret in page
    assert subscriber(url, "webhook").state == SubscriberState.CONFIRMED
    assert (
        webhooks.sign(hook.signing_secret, int(request.headers["Herald-Timestamp"]), request.body)
        == request.headers["Herald-Signature"]
    )


def test_the_unsubscribe_link_in_meta_works(sending, receiver, story, client):
    """Does a POST to `meta.unsubscribe` (RFC 8058 style, no cookie) end the subscription?"""
    document = _received(
        receiver, story, SubscriberKind.WEBHOOK, NotificationKind.ALREADY_SUBSCRIBED
    )
    assert client.get(_path(document["subscription"]["manage_url"])).status_code == 200
    response = client.post(_path(document["meta"]["unsubscribe"]))
    assert response.status_code == 200
    [hook] = [s for s in _all_subscribers() if s.kind == SubscriberKind.WEBHOOK]
    assert hook.state == SubscriberState.UNSUBSCRIBED


def _all_subscribers():
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Subscriber

    db.session.expire_all()
    return list(db.session.scalars(select(Subscriber)))


@pytest.mark.parametrize("notification", sorted(NotificationKind))
def test_slack_gets_block_kit_within_its_limits(sending, receiver, story, notification):
    """Does every notification reach Slack as Block Kit it accepts: a header, the text, the
    links, a fallback text, within Slack's lengths?"""
    body = _received(receiver, story, SubscriberKind.SLACK, notification)
    assert set(body) == {"text", "blocks", "unfurl_links"} and body["text"]
    types = [b["type"] for b in body["blocks"]]
    assert types[0] == "header" and types[1] == "section" and types[-1] == "context"
    assert len(body["blocks"][0]["text"]["text"]) <= 150
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    assert len(body["blocks"][1]["text"]["text"]) <= 3000
    footer = body["blocks"][-1]["elements"][0]["text"]
    if notification == NotificationKind.CONFIRM:
        assert "/subscribe/confirm/" in footer and "Manage" not in footer
    else:
        assert "/subscribe/manage/" in footer
    text = body["blocks"][1]["text"]["text"]
    if notification == NotificationKind.INCIDENT_UPDATED:
        # The update this message is about, though a newer one ("All good.") exists.
        assert body["blocks"][0]["text"]["text"] == "API errors"
        assert text.startswith("*Monitoring*") and "A fix is out." in text
    if notification == NotificationKind.COMPONENT_UPDATED:
        assert body["blocks"][0]["text"]["text"] == "Website: Partial Outage"
        assert "Was Operational." in text


@pytest.mark.parametrize("notification", sorted(NotificationKind))
def test_discord_gets_one_embed_within_its_limits(sending, receiver, story, notification):
    """Does every notification reach Discord as one embed it accepts, pinging nobody?"""
    body = _received(receiver, story, SubscriberKind.DISCORD, notification)
    assert body["allowed_mentions"] == {"parse": []}
    [embed] = body["embeds"]
    assert embed["title"] and len(embed["title"]) <= 256
    assert len(embed["description"]) <= 4096 and len(embed["fields"]) <= 25
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    assert isinstance(embed["color"], int) and embed["url"].startswith("https://")
    if notification.value.startswith("maintenance."):
        assert [f["name"] for f in embed["fields"]][:2] == ["Starts", "Ends"]
        assert embed["fields"][0]["value"].startswith("<t:")


def test_chat_text_cannot_ping_a_channel(sending, receiver, catalogue):
    """Can an incident title or update ping everyone in a Slack or Discord channel?"""
    opened = incidents.open_incident(
        name=f"Outage {HOSTILE}", impact="minor", message=f"Hello {HOSTILE} " + "x" * 5000
    )
    about = {"incident_id": opened.id, "update_id": opened.updates[0].id}
    story = {"about": {NotificationKind.INCIDENT_OPENED: about}}
    slack = _received(receiver, story, SubscriberKind.SLACK, NotificationKind.INCIDENT_OPENED)
    text = slack["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text and "<!channel>" not in text
    assert text.endswith("…") and len(text) <= 3000
    assert "<!channel>" not in slack["text"] and "&lt;!channel&gt;" in slack["text"]
    discord = _received(receiver, story, SubscriberKind.DISCORD, NotificationKind.INCIDENT_OPENED)
    assert discord["allowed_mentions"] == {"parse": []}
    assert len(discord["embeds"][0]["description"]) <= 4096


def test_each_recipient_gets_the_same_news_with_its_own_links(sending, receiver, story):
    """Sent as the delivery loop sends a batch (rows loaded, then detached from the session),
    do two webhooks and a Slack channel get the same incident, each with links of its own?"""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.extensions import db
    from app.models import Delivery

    about = story["about"][NotificationKind.INCIDENT_UPDATED]
    first = add_subscriber(receiver.url("/one"))
    second = add_subscriber(receiver.url("/two"))
    channel = add_subscriber(receiver.url("/slack"), SubscriberKind.SLACK)
    ids = [add_delivery(first, NotificationKind.INCIDENT_UPDATED, **about).id]
    notification_id = db.session.get(Delivery, ids[0]).notification_id
    for who in (second, channel):
        row = Delivery(notification_id=notification_id, subscriber_id=who.id)
        db.session.add(row)
        db.session.commit()
        ids.append(row.id)
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(ids))
        .options(selectinload(Delivery.subscriber), selectinload(Delivery.notification))
        .order_by(Delivery.id)
    ).all()
    db.session.expunge_all()
    db.session.rollback()
    assert [webhooks.deliver(row).result for row in rows] == [Result.SENT] * 3
    one, two, slack = (json.loads(r.body) for r in receiver.requests)
    assert one["incident"] == two["incident"] and one["page"] == two["page"]
    assert one["meta"]["unsubscribe"] != two["meta"]["unsubscribe"]
    footer = slack["blocks"][-1]["elements"][0]["text"]
    slack_manage = footer.split("/subscribe/manage/", 1)[1].split("|", 1)[0]
    assert _whose(Purpose.UNSUBSCRIBE, one["meta"]["unsubscribe"]) == first.id
    assert _whose(Purpose.UNSUBSCRIBE, two["meta"]["unsubscribe"]) == second.id
    assert _whose(Purpose.MANAGE, slack_manage) == channel.id


def _whose(purpose, url: str) -> int:
    """The subscriber a link's signed token is for."""
    return subscriber_tokens.read(purpose, url.rstrip("/").rsplit("/", 1)[-1])[0]
