"""Fan-out: one Notification becomes one Delivery row per recipient, in batches.

Recipients are streamed in id order from `fanout_cursor`, `FANOUT_BATCH` at a
time, each batch in its own transaction that also moves the cursor, so memory
stays flat however many subscribe and a fan-out that dies resumes where it
stopped. Rows are inserted "on conflict do nothing" against the unique
(notification, subscriber) ledger: a batch run twice adds nobody twice.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.delivery.identity import mail_identity
from app.extensions import db
from app.models import (
    Component,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    SubscriptionTarget,
    utcnow,
)
from app.services.tx import transactional


def receiving_kinds(app: Flask, kind: NotificationKind) -> list[SubscriberKind]:
    """Which kinds of subscriber hear of `kind`: no email without SMTP_URL, and component
    changes only to webhooks and chat (Statuspage's shape; mail has incidents)."""
    kinds = list(SubscriberKind)
    if not app.config.get("SMTP_URL") or kind == NotificationKind.COMPONENT_UPDATED or kind.is_team:
        kinds.remove(SubscriberKind.EMAIL)
    return kinds


def fan_out_next(app: Flask, now: datetime | None = None) -> bool:
    """Fan out one batch of the oldest notification not yet done; False when none waits."""
    return _fan_out_batch(app, now or utcnow())


@transactional
def _fan_out_batch(app: Flask, now: datetime) -> bool:
    # SKIP LOCKED: on PostgreSQL two workers fan out two notifications side by side.
    notification = db.session.scalar(
        select(Notification)
        .where(Notification.fanned_out_at.is_(None))
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if notification is None:
        return False
    kinds = receiving_kinds(app, notification.kind)
    if notification.kind.is_direct:
        recipients = [notification.subscriber_id] if notification.subscriber_id else []
        recipients = list(
            db.session.scalars(
                select(Subscriber.id).where(
                    Subscriber.id.in_(recipients), Subscriber.kind.in_(kinds)
                )
            )
        )
        done = True
    else:
        batch = int(app.config.get("FANOUT_BATCH", 1000))
        recipients = list(db.session.scalars(_recipients(notification, kinds).limit(batch)))
        done = len(recipients) < batch
    _insert(app, notification, recipients, now)
    values: dict = {"fanout_cursor": recipients[-1] if recipients else notification.fanout_cursor}
    if done:
        values["fanned_out_at"] = now
    db.session.execute(
        update(Notification).where(Notification.id == notification.id).values(**values)
    )
    return True


def _recipients(notification: Notification, kinds: list[SubscriberKind]):
    """Ids of the confirmed, unpaused subscribers this notification is for, after the cursor:
    the team's channels for a team notice, else the subscribers following what it is about."""
    if notification.kind.is_team:
        return _receiving(notification, kinds, Subscriber.team.is_(True))
    component_ids = list(notification.component_ids or [])
    group_ids = (
        select(Component.group_id).where(
            Component.id.in_(component_ids), Component.group_id.is_not(None)
        )
        if component_ids
        else None
    )
    followed = [SubscriptionTarget.component_id.in_(component_ids)] if component_ids else []
    if group_ids is not None:
        followed.append(SubscriptionTarget.group_id.in_(group_ids))
    if notification.incident_id is not None:
        followed.append(SubscriptionTarget.incident_id == notification.incident_id)
    wanted = Subscriber.all_components.is_(True)
    if followed:
        wanted = or_(
            wanted,
            exists().where(SubscriptionTarget.subscriber_id == Subscriber.id, or_(*followed)),
        )
    return _receiving(notification, kinds, Subscriber.team.is_(False), wanted)


def _receiving(notification: Notification, kinds: list[SubscriberKind], *wanted):
    return (
        select(Subscriber.id)
        .where(
            Subscriber.id > notification.fanout_cursor,
            Subscriber.state == SubscriberState.CONFIRMED,
            Subscriber.paused.is_(False),
            Subscriber.kind.in_(kinds),
            *wanted,
        )
        .order_by(Subscriber.id)
    )


def _insert(
    app: Flask, notification: Notification, subscriber_ids: list[int], now: datetime
) -> None:
    if not subscriber_ids:
        return
    identity = mail_identity(app.config)
    rows = [
        {
            "notification_id": notification.id,
            "subscriber_id": subscriber_id,
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "message_id": identity.message_id(
                notification.id, notification.created_at, subscriber_id
            ),
        }
        for subscriber_id in subscriber_ids
    ]
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Delivery).on_conflict_do_nothing(
        index_elements=["notification_id", "subscriber_id"]
    )
    db.session.execute(statement, rows)
