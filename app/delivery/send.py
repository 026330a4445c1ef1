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
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
# Mails composed ahead of the one being sent.
COMPOSE_AHEAD = 2


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
    wanted = [(row, _not_wanted(app, row)) for row in rows]
    with Channels(app, worker) as channels:
        channels.prepare([row for row, reason in wanted if not reason])
        for row, reason in wanted:
            if reason:
                channels.marks.settle()
                ledger.skip(row.id, worker, reason)
                continue
            outcome = channels.deliver(row)
            if outcome.result == Result.SENT:
                # Committed before the next message can be taken: a crash repeats at most
                # this one.
                channels.marks.add(row.id, outcome.message_id)
            else:
                channels.marks.settle()
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

    def __init__(self, app: Flask, worker: str):
        self.app = app
        self.marks = ledger.SentMarks(db.engine, worker)
        self._smtp: SmtpSession | None = None
        self._composing: ThreadPoolExecutor | None = None
        self._mails: dict[int, Future] = {}
        self._ahead = threading.Semaphore(COMPOSE_AHEAD)
        self.table: dict[SubscriberKind, Callable[[Delivery], Outcome]] = {
            SubscriberKind.EMAIL: self.email,
            SubscriberKind.WEBHOOK: _webhook,
            SubscriberKind.SLACK: _webhook,
            SubscriberKind.DISCORD: _webhook,
        }

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.marks.close()
        finally:
            if self._smtp is not None:
                self._smtp.close()
            if self._composing is not None:
                for mail in self._mails.values():
                    mail.cancel()
                    self._ahead.release()  # a composer waiting for room sees the cancel
                self._composing.submit(db.session.remove)  # the composing thread's session
                self._composing.shutdown(wait=True)

    def prepare(self, rows: list[Delivery]) -> None:
        """Compose the batch's mails in a thread of their own, ahead of the sending: while
        this thread waits on the mail server and the database, the next mail is built."""
        emails = [row for row in rows if row.subscriber.kind == SubscriberKind.EMAIL]
        if not emails or not self.app.config.get("SMTP_URL"):
            return
        app = self.app
        self._mails = {row.id: Future() for row in emails}
        work = [(row, self._mails[row.id]) for row in emails]

        def compose_all() -> None:
            try:
                composer = Composer(app)
            except Exception as exc:  # each mail fails alike; none may be waited for forever
                for _, mail in work:
                    if mail.set_running_or_notify_cancel():
                        mail.set_exception(exc)
                return
            finally:
                db.session.rollback()
            for row, mail in work:
                self._ahead.acquire()
                if not mail.set_running_or_notify_cancel():
                    return  # the batch ended early
                try:
                    mail.set_result(composer.message(row, utcnow()))
                except Exception as exc:
                    mail.set_exception(exc)
                finally:
                    # A read left open would pin SQLite's WAL: no checkpoint could finish,
                    # and every commit marking a row sent would grow the log and try again.
                    db.session.rollback()

        # One task for the whole batch (a task per mail would hand the interpreter's lock to
        # that thread at every submit), kept a few mails ahead: composing far ahead would
        # hold the lock while this thread's answer from the mail server waits for it.
        self._composing = ThreadPoolExecutor(
            1, thread_name_prefix="herald-compose", initializer=lambda: app.app_context().push()
        )
        self._composing.submit(compose_all)

    def deliver(self, row: Delivery) -> Outcome:
        if row.subscriber.kind != SubscriberKind.EMAIL:
            self.marks.settle()  # a webhook counts as sent once posted: the mark goes first
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
            self._smtp = SmtpSession(
                settings,
                float(self.app.config["SMTP_TIMEOUT_SECONDS"]),
                ca_file=self.app.config.get("SMTP_CA_FILE"),
            )
        composed = self._mails.pop(row.id)
        self._ahead.release()  # before a composing error is raised, or the composer stalls
        mail = composed.result()
        outcome = self._smtp.send(
            mail.sender, row.subscriber.address, mail.data, before_body=self.marks.settle
        )
        if outcome.result == Result.SENT:
            return Outcome.sent(mail.message_id)
        return outcome
