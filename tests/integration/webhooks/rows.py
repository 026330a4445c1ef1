"""Rows the delivery loop would hand the channel: a subscriber, a notification, its delivery."""

from __future__ import annotations

from app.extensions import db
from app.models import (
    Delivery,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    utcnow,
)

SECRET = "5e" * 32


def add_subscriber(address: str, kind: SubscriberKind = SubscriberKind.WEBHOOK) -> Subscriber:
    """A confirmed subscriber at `address`, added directly (the send-time checks are tested
    here, so the registration-time ones are not in the way)."""
    subscriber = Subscriber(
        kind=kind,
        address=address,
        state=SubscriberState.CONFIRMED,
        token_nonce="nonce-1",
        confirmations_sent=0,
        bounce_count=0,
        paused=False,
        signing_secret=SECRET if kind == SubscriberKind.WEBHOOK else None,
    )
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def add_delivery(
    subscriber: Subscriber,
    kind: NotificationKind,
    *,
    incident_id: int | None = None,
    update_id: int | None = None,
    component_id: int | None = None,
    details: dict | None = None,
) -> Delivery:
    notification = Notification(
        kind=kind,
        incident_id=incident_id,
        update_id=update_id,
        subscriber_id=subscriber.id if kind.is_direct else None,
        component_id=component_id,
        details=details,
        created_at=utcnow(),
    )
    db.session.add(notification)
    db.session.flush()
    delivery = Delivery(notification_id=notification.id, subscriber_id=subscriber.id)
    db.session.add(delivery)
    db.session.commit()
    return db.session.get(Delivery, delivery.id)
