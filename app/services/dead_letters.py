"""Failed deliveries ("dead letters"): listing them, and putting them back in the queue.

A retry is one more try, not a fresh start: the row goes back to PENDING, due
now, and keeps its count of attempts, so its history stays true and a
receiver that still fails is dead-lettered again at once instead of being
hammered through a whole new round of backoff. The worker picks the row up
like any other due delivery; it checks the subscriber again before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update

from app.extensions import db
from app.models import (
    Delivery,
    DeliveryState,
    Incident,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberState,
)
from app.services import audit
from app.services.errors import Invalid, NotFound
from app.services.subscriber_admin import PER_PAGE, Page, deliveries_query, paged
from app.services.tx import locked, transactional

# The notifications the dead-letter page sums up, newest first; older ones stay in the list.
GROUPS_SHOWN = 20
# Subscribers whose failed deliveries may go out again. Unsubscribed and quarantined ones
# may not: the first asked for no more, the second bounces until an admin reinstates it.
_RETRYABLE = (SubscriberState.CONFIRMED, SubscriberState.PENDING)

_LABELS = {
    NotificationKind.CONFIRM: "Confirmation request",
    NotificationKind.ALREADY_SUBSCRIBED: "Manage link (already subscribed)",
    NotificationKind.INCIDENT_OPENED: "Incident opened",
    NotificationKind.INCIDENT_UPDATED: "Incident update",
    NotificationKind.POSTMORTEM_PUBLISHED: "Postmortem published",
    NotificationKind.MAINTENANCE_SCHEDULED: "Maintenance scheduled",
    NotificationKind.MAINTENANCE_REMINDER: "Maintenance reminder",
    NotificationKind.MAINTENANCE_STARTED: "Maintenance started",
    NotificationKind.MAINTENANCE_UPDATED: "Maintenance update",
    NotificationKind.MAINTENANCE_COMPLETED: "Maintenance completed",
    NotificationKind.COMPONENT_UPDATED: "Component status change",
    NotificationKind.TEAM_ALERT_INCIDENT: "Team: incident opened by monitoring",
    NotificationKind.TEAM_UPSTREAM_REPORT: "Team: upstream incident to review",
    NotificationKind.TEAM_DEAD_LETTER: "Team: a delivery failed",
    NotificationKind.TEAM_AUTO_RESOLVED: "Team: resolved after a quiet period",
}


@dataclass(frozen=True)
class DeadGroup:
    """The failed deliveries of one notification, for "retry all"."""

    notification: Notification
    failed: int


@dataclass(frozen=True)
class RetryAll:
    retried: int
    left_out: int  # their subscriber unsubscribed or is quarantined


def label(kind: NotificationKind) -> str:
    """What a notification was, as the admin pages say it."""
    return _LABELS.get(kind, kind.value)


def incident_names(notifications) -> dict[int, str]:
    """{incident id: name} for the incidents these notifications are about (one query)."""
    ids = {n.incident_id for n in notifications if n.incident_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Incident.id, Incident.name).where(Incident.id.in_(ids)))
    return {incident_id: name for incident_id, name in rows}


def get_delivery(delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    return delivery


def get_notification(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    return notification


def _dead(*conditions) -> tuple[Select, Select]:
    where = (Delivery.state == DeliveryState.DEAD, *conditions)
    return deliveries_query(*where), select(func.count(Delivery.id)).where(*where)


def dead_letters(
    *, notification_id: int | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """Deliveries that ran out of retries or were refused for good, newest first."""
    conditions = [] if notification_id is None else [Delivery.notification_id == notification_id]
    return paged(*_dead(*conditions), page, per_page)


def dead_groups(limit: int = GROUPS_SHOWN) -> list[DeadGroup]:
    """The newest notifications with failed deliveries, with how many failed."""
    counts = db.session.execute(
        select(Delivery.notification_id, func.count(Delivery.id))
        .where(Delivery.state == DeliveryState.DEAD)
        .group_by(Delivery.notification_id)
        .order_by(Delivery.notification_id.desc())
        .limit(limit)
    ).all()
    found = {
        n.id: n
        for n in db.session.scalars(
            select(Notification).where(Notification.id.in_([i for i, _ in counts]))
        )
    }
    return [DeadGroup(found[i], count) for i, count in counts if i in found]


def dead_count() -> int:
    return (
        db.session.scalar(
            select(func.count(Delivery.id)).where(Delivery.state == DeliveryState.DEAD)
        )
        or 0
    )


def _requeue(delivery: Delivery, now: datetime) -> None:
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.lease_until = None
    delivery.claimed_by = None


@transactional
def retry(delivery_id: int, *, now: datetime, actor=None) -> Delivery:
    """Put one failed delivery back in the queue, due now (its attempts stay counted)."""
    delivery = locked(Delivery, delivery_id, missing="No such delivery.")
    if delivery.state != DeliveryState.DEAD:
        raise Invalid("Only failed deliveries can be retried; this one is no longer failed.")
    state = delivery.subscriber.state
    if state == SubscriberState.UNSUBSCRIBED:
        raise Invalid("This subscriber has unsubscribed; nothing will be sent.")
    if state == SubscriberState.QUARANTINED:
        raise Invalid("This subscriber is quarantined after repeated failures; reinstate it first.")
    _requeue(delivery, now)
    audit.record(
        actor,
        "delivery.retry",
        "delivery",
        delivery.id,
        subscriber=delivery.subscriber_id,
        notification=delivery.notification_id,
    )
    return delivery


@transactional
def retry_all(notification_id: int, *, now: datetime, actor=None) -> RetryAll:
    """Put every failed delivery of one notification back in the queue, in one statement.

    Deliveries to subscribers who unsubscribed or are quarantined stay failed,
    and are counted in `left_out`.
    """
    if db.session.get(Notification, notification_id) is None:
        raise NotFound("No such notification.")
    dead = (Delivery.notification_id == notification_id, Delivery.state == DeliveryState.DEAD)
    retryable = Delivery.subscriber_id.in_(
        select(Subscriber.id).where(Subscriber.state.in_(_RETRYABLE))
    )
    retried = db.session.execute(
        update(Delivery)
        .where(*dead, retryable)
        .values(state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    left_out = db.session.scalar(select(func.count(Delivery.id)).where(*dead)) or 0
    if not retried:
        raise Invalid(
            "None of this notification's failed deliveries can be retried: their subscribers "
            "unsubscribed or are quarantined."
            if left_out
            else "This notification has no failed deliveries left to retry."
        )
    result = RetryAll(retried=retried, left_out=left_out)
    audit.record(
        actor,
        "delivery.retry_all",
        "notification",
        notification_id,
        retried=result.retried,
        left_out=result.left_out,
    )
    return result
