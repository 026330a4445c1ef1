"""Outbox rows for the operator's tests: notifications and deliveries in given states and ages."""

from __future__ import annotations

import secrets
from datetime import datetime

from app.extensions import db
from app.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
)


def ensure_outbox() -> None:
    """The outbox tables come with the migrations; nothing to make."""


def add_notification(*, created_at: datetime, fanned_out: bool) -> int:
    notification = Notification(
        kind=NotificationKind.INCIDENT_UPDATED,
        created_at=created_at,
        fanned_out_at=created_at if fanned_out else None,
    )
    db.session.add(notification)
    db.session.flush()
    return notification.id


def add_delivery(notification_id: int, *, state: str, next_attempt_at: datetime, sent_at=None):
    subscriber = Subscriber(
        kind=SubscriberKind.EMAIL,
        address=f"ops-{secrets.token_hex(6)}@example.com",
        state=SubscriberState.CONFIRMED,
        token_nonce=secrets.token_hex(8),
    )
    db.session.add(subscriber)
    db.session.flush()
    db.session.add(
        Delivery(
            notification_id=notification_id,
            subscriber_id=subscriber.id,
            state=DeliveryState(state),
            next_attempt_at=next_attempt_at,
            sent_at=sent_at,
        )
    )
    db.session.flush()
