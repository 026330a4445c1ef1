"""What the notification outbox holds, for /readyz and /metrics.

Read through lightweight table constructs rather than the models, and only when
the tables exist: a database migrated before the outbox (or code without it)
simply reports "no outbox".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, column, func, inspect, select, table

from app.extensions import db
from app.models.types import UTCDateTime, epoch_seconds

NOTIFICATION = table(
    "notification",
    column("id"),
    column("created_at", UTCDateTime()),
    column("fanned_out_at", UTCDateTime()),
)
DELIVERY = table(
    "delivery",
    column("id"),
    column("notification_id"),
    column("state", String()),
    column("next_attempt_at", UTCDateTime()),
    column("sent_at", UTCDateTime()),
)
LATENCY_WINDOW = timedelta(minutes=15)
_LATENCY_SAMPLE = 10_000


def present() -> bool:
    """Whether this database has the outbox tables."""
    inspector = inspect(db.session.connection())
    return inspector.has_table("notification") and inspector.has_table("delivery")


def lag(now: datetime) -> float:
    """Seconds the oldest due work has waited: a notification not yet fanned out, or a
    pending delivery whose attempt time has come. 0 when nothing waits."""
    oldest_notification = db.session.scalar(
        select(func.min(NOTIFICATION.c.created_at)).where(NOTIFICATION.c.fanned_out_at.is_(None))
    )
    oldest_delivery = db.session.scalar(
        select(func.min(DELIVERY.c.next_attempt_at)).where(
            DELIVERY.c.state == "pending", DELIVERY.c.next_attempt_at <= now
        )
    )
    waiting = [at for at in (oldest_notification, oldest_delivery) if at is not None]
    return max((now - at).total_seconds() for at in waiting) if waiting else 0.0


def depth(now: datetime) -> dict[str, int]:
    """Notifications waiting for fan-out, and deliveries due now."""
    notifications = db.session.scalar(
        select(func.count()).select_from(NOTIFICATION).where(NOTIFICATION.c.fanned_out_at.is_(None))
    )
    deliveries = db.session.scalar(
        select(func.count())
        .select_from(DELIVERY)
        .where(DELIVERY.c.state == "pending", DELIVERY.c.next_attempt_at <= now)
    )
    return {"notifications": notifications or 0, "deliveries": deliveries or 0}


def deliveries_by_state() -> dict[str, int]:
    rows = db.session.execute(
        select(DELIVERY.c.state, func.count()).group_by(DELIVERY.c.state)
    ).all()
    return {str(state): count for state, count in rows}


def latencies(now: datetime) -> list[float]:
    """Seconds from each notification to its delivery, for deliveries sent in the window."""
    seconds = epoch_seconds(DELIVERY.c.sent_at) - epoch_seconds(NOTIFICATION.c.created_at)
    query = (
        select(seconds)
        .select_from(DELIVERY.join(NOTIFICATION, NOTIFICATION.c.id == DELIVERY.c.notification_id))
        .where(DELIVERY.c.state == "sent", DELIVERY.c.sent_at >= now - LATENCY_WINDOW)
        .order_by(DELIVERY.c.sent_at.desc())
        .limit(_LATENCY_SAMPLE)
    )
    return sorted(max(0.0, float(value)) for value in db.session.scalars(query))


def quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
