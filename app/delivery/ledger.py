"""The delivery ledger: claim due rows under a lease, and record what each attempt came to.

A worker claims a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers on
many hosts take different rows; SQLite's one writer at a time does the same),
sends each row and records its outcome in a commit of its own before the next
message can count as sent. A worker killed mid-batch thus leaves at most the one
row it was sending unmarked; its lease runs out and another worker sends it (the
one duplicate the design allows), and the rows it had not reached yet go out once.

Marking a row sent cannot be batched without giving that up (a batch of marks lost
to a kill is a batch of duplicates), so `SentMarks` writes each mark on a thread of
its own while the next message's envelope goes out, and the sender waits for it
before that message's text: a server takes a message only at the end of its text.
"""

from __future__ import annotations

import random
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import Connection, Engine, and_, bindparam, func, or_, select, update

from app.delivery.outcome import Outcome, Result
from app.extensions import db
from app.models import Delivery, DeliveryState, Subscriber, SubscriberState, utcnow
from app.services import team_channels
from app.services.tx import transactional


def due(now: datetime):
    """Rows to send now: pending and due, or claimed by a worker whose lease ran out."""
    return or_(
        and_(Delivery.state == DeliveryState.PENDING, Delivery.next_attempt_at <= now),
        and_(Delivery.state == DeliveryState.SENDING, Delivery.lease_until < now),
    )


@transactional
def claim(app: Flask, worker: str, now: datetime | None = None) -> list[int]:
    """Lease up to DELIVERY_BATCH due rows to `worker`; their ids, oldest due first."""
    now = now or utcnow()
    limit = int(app.config.get("DELIVERY_BATCH", 500))
    ids = list(
        db.session.scalars(
            select(Delivery.id)
            .where(due(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        lease = timedelta(seconds=float(app.config.get("DELIVERY_LEASE_SECONDS", 300)))
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                state=DeliveryState.SENDING,
                lease_until=now + lease,
                claimed_by=worker[:64],
                attempts=Delivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return ids


def backoff(app: Flask, attempts: int) -> timedelta:
    """Capped exponential backoff with full jitter: spreads a crowd of retries out."""
    base = float(app.config.get("DELIVERY_BACKOFF_SECONDS", 30))
    cap = float(app.config.get("DELIVERY_BACKOFF_MAX_SECONDS", 3600))
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _wait(app: Flask, attempts: int, asked: float | None) -> timedelta:
    """The backoff, or longer when the receiver asked (Retry-After) — but never longer than
    the longest backoff, so a receiver cannot park its deliveries for days."""
    wait = backoff(app, attempts)
    if asked:
        cap = float(app.config.get("DELIVERY_BACKOFF_MAX_SECONDS", 3600))
        wait = max(wait, timedelta(seconds=min(asked, cap)))
    return wait


def _mine(delivery_id: int, worker: str):
    # Only the worker holding the lease records the outcome; a row whose lease ran out
    # and was claimed again belongs to its new holder.
    return and_(
        Delivery.id == delivery_id,
        Delivery.state == DeliveryState.SENDING,
        Delivery.claimed_by == worker[:64],
    )


@transactional
def record(app: Flask, delivery_id: int, worker: str, outcome: Outcome, now=None) -> None:
    """Write what the attempt on one claimed row came to (its own commit)."""
    now = now or utcnow()
    values: dict = {"lease_until": None, "last_error": outcome.error}
    if outcome.result == Result.SENT:
        values.update(state=DeliveryState.SENT, sent_at=now)
        if outcome.message_id:
            values["message_id"] = outcome.message_id[:255]
    elif outcome.result == Result.RETRY:
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None:
            return
        if delivery.attempts >= int(app.config.get("DELIVERY_MAX_ATTEMPTS", 8)):
            values["state"] = DeliveryState.DEAD
        else:
            values.update(
                state=DeliveryState.PENDING,
                next_attempt_at=now + _wait(app, delivery.attempts, outcome.retry_after),
            )
    else:
        values["state"] = DeliveryState.DEAD
        if outcome.result == Result.BOUNCE:
            _bounced(app, delivery_id, outcome.error, now)
    db.session.execute(
        update(Delivery)
        .where(_mine(delivery_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if values.get("state") == DeliveryState.DEAD:
        team_channels.delivery_dead(delivery_id, outcome.error)


_MARK_SENT = (
    update(Delivery.__table__)
    .where(
        Delivery.__table__.c.id == bindparam("delivery_id"),
        Delivery.__table__.c.state == DeliveryState.SENDING,
        Delivery.__table__.c.claimed_by == bindparam("worker"),
    )
    .values(
        state=DeliveryState.SENT,
        sent_at=bindparam("sent_at"),
        lease_until=None,
        last_error=None,
        message_id=func.coalesce(bindparam("message_id"), Delivery.__table__.c.message_id),
    )
)


def mark_sent(connection, delivery_id: int, worker: str, message_id: str | None) -> None:
    """The common case, on the batch's own connection: one prepared UPDATE and its commit."""
    with connection.begin():
        connection.execute(
            _MARK_SENT,
            {
                "delivery_id": delivery_id,
                "worker": worker[:64],
                "sent_at": utcnow(),
                "message_id": message_id[:255] if message_id else None,
            },
        )


class SentMarks:
    """Marks rows sent, one commit each, on a connection and thread of their own; at most
    one mark is ever unwritten, and `settle` waits for it."""

    def __init__(self, engine: Engine, worker: str):
        self.engine = engine
        self.worker = worker
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="herald-mark")
        self._connection: Connection | None = None
        self._pending: Future | None = None

    def add(self, delivery_id: int, message_id: str | None) -> None:
        self.settle()
        self._pending = self._thread.submit(self._write, delivery_id, message_id)

    def settle(self) -> None:
        """Wait until every mark asked for is committed (raising what writing it raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.settle()
        finally:
            self._thread.submit(self._disconnect)
            self._thread.shutdown(wait=True)

    def _write(self, delivery_id: int, message_id: str | None) -> None:
        if self._connection is None:
            self._connection = self.engine.connect()
        mark_sent(self._connection, delivery_id, self.worker, message_id)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()


@transactional
def skip(delivery_id: int, worker: str, reason: str) -> None:
    """The recipient left, paused or was quarantined before the row went out."""
    db.session.execute(
        update(Delivery)
        .where(_mine(delivery_id, worker))
        .values(state=DeliveryState.SKIPPED, lease_until=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )


def _bounced(app: Flask, delivery_id: int, error: str | None, now: datetime) -> None:
    """A hard bounce: counted on the subscriber, quarantined after BOUNCES_TO_QUARANTINE."""
    subscriber_id = db.session.scalar(
        select(Delivery.subscriber_id).where(Delivery.id == delivery_id)
    )
    subscriber = db.session.get(Subscriber, subscriber_id) if subscriber_id else None
    if subscriber is None:
        return
    subscriber.bounce_count += 1
    subscriber.last_bounce_at = now
    subscriber.last_error = error
    if subscriber.bounce_count >= int(app.config.get("BOUNCES_TO_QUARANTINE", 3)):
        subscriber.state = SubscriberState.QUARANTINED
        subscriber.updated_at = now


def due_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(Delivery).where(due(now))) or 0
