"""A webhook through the whole delivery loop: fan-out, claim, send, retry with backoff and
dead-letter, as the worker runs it, against the real HTTPS receiver."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.delivery import send, webhooks
from app.extensions import db
from app.models import Delivery, DeliveryState, utcnow
from app.services import incidents
from tests.integration.webhooks.rows import add_subscriber
from tests.webhook_receiver import Answer

# Tries 0.1–0.2 s, then 0.2–0.4 s apart (capped exponential backoff, full jitter).
RETRIES = {
    "DELIVERY_BACKOFF_SECONDS": 0.2,
    "DELIVERY_BACKOFF_MAX_SECONDS": 0.4,
    "DELIVERY_MAX_ATTEMPTS": 3,
}


@pytest.fixture
def quick_retries(app, sending, mail_off):
    before = {key: app.config.get(key) for key in RETRIES}
    app.config.update(RETRIES)
    yield
    app.config.update(before)


def _open():
    return incidents.open_incident(name="Database slow", impact="minor", message="Looking.")


def _row() -> Delivery:
    db.session.rollback()  # the loop committed in its own session
    [row] = db.session.scalars(select(Delivery))
    return row


def _pass(app) -> None:
    send.run_pass(app, "test-worker")


def _until(app, done, timeout: float = 10.0) -> Delivery:
    """Delivery passes, as the worker polls, until `done(row)`."""
    deadline = time.monotonic() + timeout
    while not done(row := _row()):
        assert time.monotonic() < deadline, f"still {row.state} after {row.attempts} tries"
        _pass(app)
        time.sleep(0.02)
    return row


def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered(
    app, quick_retries, receiver, as_admin
):
    """When my endpoint answers 500, is the call tried again — later each time, with the same
    delivery id — and after the last try listed among the failed deliveries with the
    answer it got?"""
    receiver.answer = Answer(status=500, body=b"database unavailable")
    add_subscriber(receiver.url())
    _open()
    _pass(app)
    row = _row()
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 1)
    assert row.last_error == "HTTP 500: database unavailable"
    _pass(app)  # at once: not due yet
    assert len(receiver.requests) == 1

    row = _until(app, lambda r: r.state == DeliveryState.DEAD)
    assert row.attempts == 3 and row.last_error == "HTTP 500: database unavailable"
    first, second, third = receiver.requests
    assert second.at - first.at >= 0.1 and third.at - second.at >= 0.2, "no backoff"
    assert len({r.headers["Herald-Delivery"] for r in receiver.requests}) == 1
    _pass(app)
    assert len(receiver.requests) == 3, "a dead letter is not tried again by itself"

    page = as_admin.get("/admin/deliveries/failed").get_data(as_text=True)
    assert "1 failed delivery" in page and "HTTP 500: database unavailable" in page


def test_a_hanging_receiver_is_retried_and_sent_once_it_answers(app, quick_retries, receiver):
    """When my endpoint never answers, is the call given up after the timeout and tried
    again — and marked sent once the endpoint answers?"""
    receiver.answer = Answer(hang=True)
    add_subscriber(receiver.url())
    _open()
    _pass(app)
    row = _row()
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 1)
    assert "1.5 seconds" in row.last_error
    receiver.answer = Answer(status=204, body=b"")
    row = _until(app, lambda r: r.state == DeliveryState.SENT)
    assert row.attempts == 2 and row.last_error is None
    hung, answered = receiver.requests
    assert hung.headers["Herald-Delivery"] == answered.headers["Herald-Delivery"]


@pytest.fixture
def long_cap(app, quick_retries):
    """Backoff of a few tens of milliseconds, but waits of up to 1.5 s allowed."""
    app.config.update(DELIVERY_BACKOFF_SECONDS=0.05, DELIVERY_BACKOFF_MAX_SECONDS=1.5)


def test_a_429_with_retry_after_is_tried_no_earlier_than_it_asks(app, long_cap, receiver):
    """When my endpoint answers 429 with `Retry-After: 1`, does Herald wait at least that
    second (not its usual 50 ms) before trying again?"""
    receiver.answer = Answer(status=429, body=b"slow down", headers={"Retry-After": "1"})
    add_subscriber(receiver.url())
    _open()
    _pass(app)
    row = _row()
    assert row.state == DeliveryState.PENDING
    assert row.last_error == "HTTP 429: slow down (asked to wait 1 s)"
    receiver.answer = Answer(status=204, body=b"")
    row = _until(app, lambda r: r.state == DeliveryState.SENT)
    first, second = receiver.requests
    assert second.at - first.at >= 1.0


def test_a_retry_after_of_a_day_is_capped(app, long_cap, receiver):
    """Can an endpoint park its deliveries for a day by answering `Retry-After: 86400`, or is
    the wait capped at the longest backoff (here 1.5 s)?"""
    receiver.answer = Answer(status=503, headers={"Retry-After": "86400"})
    add_subscriber(receiver.url())
    _open()
    before = utcnow()
    _pass(app)
    after = utcnow()
    row = _row()
    assert "asked to wait 86400 s" in row.last_error
    assert before + timedelta(seconds=1.5) <= row.next_attempt_at
    assert row.next_attempt_at <= after + timedelta(seconds=1.5)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("Sat, 28 Nov 2026 12:02:00 GMT", 120.0),
        ("Sat, 28 Nov 2026 11:59:00 GMT", 0.0),  # already past: no extra wait
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    """Does Herald understand both forms of Retry-After, and ignore one it cannot read?"""
    noon = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp()
    assert webhooks.retry_after(header, now=noon) == seconds
