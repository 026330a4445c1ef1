"""One pass of the delivery loop: fan out what waits, then claim, send and mark, batch by batch.

Each channel answers with an `Outcome` (app/delivery/outcome.py); the ledger
alone turns it into sent, retry, bounce or dead. Email goes over one SMTP
connection per batch; webhook, Slack and Discord rows go to
`app.delivery.webhooks.deliver`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.delivery import fanout, ledger
from app.delivery.mail import Composer
from app.delivery.mailer import SmtpSession, SmtpUrlError, parse_smtp_url
from app.delivery.outcome import Outcome, Result
from app.extensions import db
from app.models import Delivery, SubscriberKind, SubscriberState, utcnow

log = logging.getLogger("herald.delivery")

# A pass stops after this long so the worker loop can tick and notice a stop request;
# the next pass carries on at once.
PASS_SECONDS = 20.0


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def run_pass(app: Flask, worker: str | None = None, deadline: float | None = None) -> int:
    """Fan out and deliver until nothing is due (or PASS_SECONDS passed); rows handled.

    Runs in an app context (and so a database session) of its own."""
    worker = worker or worker_name()
    deadline = deadline or time.monotonic() + PASS_SECONDS
    with app.app_context():
        return _pass(app, worker, deadline)


def _pass(app: Flask, worker: str, deadline: float) -> int:
    try:
        while time.monotonic() < deadline and fanout.fan_out_next(app):
            pass
        handled = 0
        # Only rows due when the pass began: a row that failed in it waits for its backoff.
        began = utcnow()
        while time.monotonic() < deadline:
            count = deliver_batch(app, worker, began)
            if not count:
                break
            handled += count
            # Fan-out of a notification queued meanwhile goes before the next batch.
            while time.monotonic() < deadline and fanout.fan_out_next(app):
                pass
        return handled
    finally:
        db.session.remove()


def deliver_batch(app: Flask, worker: str, due_by: datetime | None = None) -> int:
    """Claim one batch (of rows due by `due_by`, default now) and send it; rows claimed."""
    ids = ledger.claim(app, worker, due_by)
    if not ids:
        return 0
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(ids))
        .options(
            selectinload(Delivery.subscriber),
            selectinload(Delivery.notification),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
    ).all()
    # Each outcome commits on its own, which would expire (and reload) these rows.
    db.session.expunge_all()
    db.session.rollback()
    with Channels(app) as channels:
        for row in rows:
            reason = _not_wanted(app, row)
            if reason:
                ledger.skip(row.id, worker, reason)
                continue
            outcome = channels.deliver(row)
            ledger.record(app, row.id, worker, outcome)
    return len(ids)


def _not_wanted(app: Flask, row: Delivery) -> str | None:
    """Why this row must not go out any more, or None."""
    subscriber = row.subscriber
    if subscriber.kind == SubscriberKind.EMAIL and not app.config.get("SMTP_URL"):
        return "mail is off (no SMTP_URL)"
    if row.notification.kind.is_direct:
        if subscriber.state in (SubscriberState.QUARANTINED, SubscriberState.UNSUBSCRIBED):
            return f"the subscriber is {subscriber.state.value}"
        return None
    if subscriber.state != SubscriberState.CONFIRMED:
        return f"the subscriber is {subscriber.state.value}"
    if subscriber.paused:
        return "the subscriber paused updates"
    return None


def _webhook(delivery: Delivery) -> Outcome:
    try:
        from app.delivery import webhooks  # another part; until it lands, rows wait
    except ImportError:
        return Outcome(Result.RETRY, "webhook delivery is not available in this version")
    return webhooks.deliver(delivery)


class Channels:
    """The way out for each kind of subscriber, opened lazily for one batch."""

    def __init__(self, app: Flask):
        self.app = app
        self._composer: Composer | None = None
        self._smtp: SmtpSession | None = None
        self.table: dict[SubscriberKind, Callable[[Delivery], Outcome]] = {
            SubscriberKind.EMAIL: self.email,
            SubscriberKind.WEBHOOK: _webhook,
            SubscriberKind.SLACK: _webhook,
            SubscriberKind.DISCORD: _webhook,
        }

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc) -> None:
        if self._smtp is not None:
            self._smtp.close()

    def deliver(self, row: Delivery) -> Outcome:
        try:
            return self.table[row.subscriber.kind](row)
        except Exception as exc:  # a bug in one row must not stop the batch
            log.exception("delivery %s failed", row.id)
            return Outcome(Result.RETRY, f"internal error: {type(exc).__name__}")

    def email(self, row: Delivery) -> Outcome:
        if self._smtp is None:
            try:
                settings = parse_smtp_url(self.app.config["SMTP_URL"])
            except SmtpUrlError as exc:
                return Outcome(Result.RETRY, str(exc))
            self._smtp = SmtpSession(settings, float(self.app.config["SMTP_TIMEOUT_SECONDS"]))
            self._composer = Composer(self.app)
        assert self._composer is not None
        now: datetime = utcnow()
        message = self._composer.message(row, now)
        outcome = self._smtp.send(
            _envelope_sender(message["From"]), row.subscriber.address, message.as_bytes()
        )
        if outcome.result == Result.SENT:
            return Outcome.sent(message["Message-ID"])
        return outcome


def _envelope_sender(header: str) -> str:
    from email.utils import parseaddr

    return parseaddr(header)[1] or header
