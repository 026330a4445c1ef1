"""The team's own chat and webhook channels, and the notices they receive.

A team channel is a Subscriber row marked `team`: Slack, Discord or a generic
webhook, added by an admin, confirmed at once (an admin owns it), and sent to
by the subscribers' outbox and signed delivery (app/delivery/webhooks.py), so
retries, backoff, SSRF checks and dead letters are the same. It receives only
team notices, which no subscriber receives: an incident monitoring opened, an
upstream incident to review, a delivery that failed for good, an incident
resolved after a quiet period. Each notice is queued in the transaction of the
event it tells of.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import (
    Delivery,
    DeliveryState,
    Incident,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    UpstreamReport,
    utcnow,
)
from app.services import audit, notifications
from app.services.errors import Conflict, Invalid
from app.services.subscriptions import checked_address, find, new_nonce
from app.services.tx import locked, transactional

TEAM_KINDS = (SubscriberKind.SLACK, SubscriberKind.DISCORD, SubscriberKind.WEBHOOK)
CHANNEL_GONE = "This channel no longer exists; it was removed meanwhile."
# A run of failures (a receiver down for a day) is one notice a minute, not one per row.
DEAD_LETTER_NOTICE_EVERY = timedelta(minutes=1)


def list_channels() -> list[Subscriber]:
    return list(
        db.session.scalars(select(Subscriber).where(Subscriber.team).order_by(Subscriber.id))
    )


@transactional
def add_channel(kind, url: str | None, *, actor) -> Subscriber:
    """Add a channel; a webhook gets a signing secret (shown to the admin once)."""
    if str(kind or "") not in {k.value for k in TEAM_KINDS}:
        raise Invalid("A team channel is Slack, Discord or a webhook.", "kind")
    kind, address = checked_address(kind, url)
    if find(kind, address) is not None:
        raise Conflict("That address already receives updates from this page.", "url")
    now = utcnow()
    channel = Subscriber(
        kind=kind,
        address=address,
        team=True,
        state=SubscriberState.CONFIRMED,
        source="admin",
        token_nonce=new_nonce(),
        all_components=True,
        created_at=now,
        updated_at=now,
        confirmed_at=now,
        signing_secret=secrets.token_hex(32) if kind == SubscriberKind.WEBHOOK else None,
    )
    db.session.add(channel)
    db.session.flush()
    audit.record(actor, "team_channel.add", "subscriber", channel.id, kind=kind.value)
    return channel


@transactional
def remove_channel(channel_id: int, *, actor) -> None:
    channel = locked(Subscriber, channel_id, missing=CHANNEL_GONE)
    if not channel.team:
        raise Conflict("That is a subscriber, not a team channel.")
    audit.record(actor, "team_channel.remove", "subscriber", channel.id, kind=channel.kind.value)
    db.session.delete(channel)


def _notice(kind: NotificationKind, *, title: str, text: str, endpoint: str, incident=None, **at):
    """Queue a team notice in the caller's transaction, if the team has a channel."""
    if not db.session.scalar(select(exists().where(Subscriber.team))):
        return
    db.session.flush()
    notifications.queue(
        kind,
        incident=incident,
        component_ids=[],
        details={"title": title[:300], "text": text[:3000], "endpoint": endpoint, "at": at},
    )


def alert_incident_opened(incident: Incident, source: str) -> None:
    _notice(
        NotificationKind.TEAM_ALERT_INCIDENT,
        title=incident.name,
        text=f"{source} opened this incident; it is on the public page now.",
        endpoint="admin.incident",
        incident=incident,
        incident_id=incident.id,
    )


def upstream_reported(report: UpstreamReport, page_name: str | None) -> None:
    _notice(
        NotificationKind.TEAM_UPSTREAM_REPORT,
        title=report.name,
        text=f"{page_name or 'A followed status page'} reports an incident; it waits for "
        "review (open it as an incident, or dismiss it).",
        endpoint="admin.upstream_report_list",
    )


def auto_resolved(incident: Incident, minutes: int) -> None:
    _notice(
        NotificationKind.TEAM_AUTO_RESOLVED,
        title=incident.name,
        text=f"No alert fired for {minutes} minutes, so Herald resolved it.",
        endpoint="admin.incident",
        incident=incident,
        incident_id=incident.id,
    )


def delivery_dead(delivery_id: int, error: str | None) -> None:
    """A subscriber's delivery failed for good: tell the team, at most once a minute (a
    team channel's own failure is not told to the team: it may be the one failing)."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.subscriber.team:
        return
    recent = select(Notification.id).where(
        Notification.kind == NotificationKind.TEAM_DEAD_LETTER,
        Notification.created_at > utcnow() - DEAD_LETTER_NOTICE_EVERY,
    )
    if db.session.scalar(recent.limit(1)) is not None:
        return  # the next notice gives the count, these included
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Subscriber, Delivery.subscriber_id == Subscriber.id)
        .where(Delivery.state == DeliveryState.DEAD, Subscriber.team.is_(False))
    )
    _notice(
        NotificationKind.TEAM_DEAD_LETTER,
        title="Deliveries to subscribers are failing",
        text=f"A {delivery.subscriber.kind.label} delivery gave up: {error or 'no reason given'}. "
        f"Failed deliveries waiting to be retried from the admin: {waiting}.",
        endpoint="admin.deliveries_failed",
    )
