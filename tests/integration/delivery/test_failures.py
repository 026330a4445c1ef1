"""When the mail server refuses, drops or is gone: retried, bounced, dead-lettered — never lost."""

from __future__ import annotations

import time

from sqlalchemy import select, update

from app.extensions import db
from app.models import Delivery, DeliveryState, SubscriberState, utcnow
from app.services import incidents
from tests.integration.delivery.conftest import confirmed, deliver
from tests.subscriber_fixtures import subscriber


def _open(catalogue, name="API errors"):
    return incidents.open_incident(
        name=name, impact="major", message="Looking into it.", components={}
    )


def _deliver_until(app, done, timeout: float = 10.0) -> None:
    """Delivery passes (as the worker's polls) until `done()` or `timeout`."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not delivered in time"
        deliver(app)
        time.sleep(0.02)


def _states() -> list[DeliveryState]:
    db.session.rollback()  # a fresh snapshot: the worker committed in its own session
    return list(db.session.scalars(select(Delivery.state).order_by(Delivery.id)))


def _counts(sink) -> dict[str, int]:
    counts: dict[str, int] = {}
    for received in sink.received:
        for address in received.recipients:
            counts[address] = counts.get(address, 0) + 1
    return counts


def test_smtp_down_for_a_while_then_back_delivers_each_exactly_once(app, mail, catalogue):
    """With the mail server gone for a while, does everyone get exactly one mail once it is
    back?"""
    for n in range(6):
        confirmed(f"s{n}@example.com")
    mail.stop()
    _open(catalogue)
    for _ in range(2):
        deliver(app)
        time.sleep(0.06)
    assert mail.received == []
    assert set(_states()) == {DeliveryState.PENDING}, "waiting for a retry, not lost"
    mail.start()
    _deliver_until(app, lambda: len(mail.received) >= 6)
    deliver(app)
    assert _counts(mail) == {f"s{n}@example.com": 1 for n in range(6)}
    assert set(_states()) == {DeliveryState.SENT}


def test_a_temporary_refusal_is_retried(app, mail, catalogue):
    """When the server answers 451 "try again later", does the mail arrive once it accepts?"""
    confirmed("ada@example.com")
    mail.behaviour.refuse_everyone = "451 4.7.1 Greylisted, try again later"
    _open(catalogue)
    deliver(app)
    assert mail.received == [] and _states() == [DeliveryState.PENDING]
    mail.behaviour.refuse_everyone = None
    _deliver_until(app, lambda: len(mail.received) == 1)
    assert _states() == [DeliveryState.SENT]


def test_a_dropped_connection_is_retried_without_a_copy(app, mail, catalogue):
    """When the server hangs up mid-message, is the mail sent again, once?"""
    confirmed("ada@example.com")
    confirmed("bo@example.com")
    mail.behaviour.drop = True
    _open(catalogue)
    deliver(app)
    assert mail.received == []
    mail.behaviour.drop = False
    _deliver_until(app, lambda: len(mail.received) == 2)
    assert _counts(mail) == {"ada@example.com": 1, "bo@example.com": 1}


def test_hard_bounces_quarantine_the_address(app, mail, catalogue):
    """Does an address the server refuses for good (550) stop getting mail after three
    bounces, while the others still get theirs?"""
    confirmed("gone@example.com")
    confirmed("ada@example.com")
    mail.behaviour.refuse["gone@example.com"] = "550 5.1.1 No such user"
    for n in range(3):
        _open(catalogue, name=f"Incident {n}")
        deliver(app)
    db.session.rollback()
    gone = subscriber("gone@example.com")
    assert gone.state == SubscriberState.QUARANTINED and gone.bounce_count == 3
    assert "550" in gone.last_error
    _open(catalogue, name="Incident 4")
    deliver(app)
    assert _counts(mail) == {"ada@example.com": 4}


def test_after_the_last_try_the_row_is_dead_and_an_admin_retry_sends_it(app, mail, catalogue):
    """After the last try, is the mail dead-lettered — and sent when an admin retries it
    (the row set back to pending, due now)?"""
    confirmed("ada@example.com")
    mail.behaviour.refuse_everyone = "452 Mailbox full"
    _open(catalogue)
    _deliver_until(app, lambda: _states() == [DeliveryState.DEAD])
    dead = db.session.scalar(select(Delivery))
    assert dead.attempts == app.config["DELIVERY_MAX_ATTEMPTS"] and "452" in dead.last_error
    mail.behaviour.refuse_everyone = None
    db.session.execute(
        update(Delivery).values(state=DeliveryState.PENDING, next_attempt_at=utcnow())
    )
    db.session.commit()
    _deliver_until(app, lambda: len(mail.received) == 1)
    assert _states() == [DeliveryState.SENT]


def test_unsubscribing_before_the_row_goes_out_skips_it(app, mail, catalogue):
    """If I unsubscribe after the incident was fanned out but before my mail left, am I
    still spared it?"""
    from app.delivery import fanout
    from app.services import subscription_manage

    ada = confirmed("ada@example.com")
    _open(catalogue)
    with app.app_context():
        fanout.fan_out_next(app)
    subscription_manage.unsubscribe(ada, now=utcnow())
    deliver(app)
    assert mail.received == [] and _states() == [DeliveryState.SKIPPED]
