"""Failed deliveries: listing them, and retrying one or all of a notification's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Delivery, DeliveryState, SubscriberState
from app.services import dead_letters, subscriber_admin
from app.services.errors import Invalid, NotFound
from tests.subscriber_fixtures import at, subscriber
from tests.subscriber_records import HOOK, delivery, notification


def _state(row: Delivery) -> tuple:
    db.session.expire_all()
    again = db.session.get(Delivery, row.id)
    return again.state, again.attempts, again.next_attempt_at


def test_dead_letters_and_retry(app, people):
    """Are failed deliveries listed, and does retry put one back in the queue, due now, with
    its attempts still counted — once?"""
    ada, _, hook = people
    delivery(ada, DeliveryState.SENT)
    dead = delivery(hook, DeliveryState.DEAD, "HTTP 500")
    assert [d.id for d in dead_letters.dead_letters().items] == [dead.id]
    assert dead_letters.dead_count() == 1

    dead_letters.retry(dead.id, now=at(60), actor="admin@example.com")

    assert _state(dead) == (DeliveryState.PENDING, 8, at(60))
    assert dead_letters.dead_letters().items == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery.retry"))
    assert event.target_id == str(dead.id) and event.actor_label == "admin@example.com"
    with pytest.raises(Invalid, match="Only failed"):
        dead_letters.retry(dead.id, now=at(61))
    with pytest.raises(NotFound):
        dead_letters.retry(99999, now=at(61))


def test_retry_is_refused_for_subscribers_who_left_or_bounce(app, people):
    """Is retrying for an unsubscribed or quarantined subscriber refused, saying why, until an
    admin reinstates the quarantined one?"""
    ada, _, hook = people
    left = delivery(ada, DeliveryState.DEAD)
    ada.state = SubscriberState.UNSUBSCRIBED
    bounced = delivery(hook, DeliveryState.DEAD)
    hook.state, hook.bounce_count = SubscriberState.QUARANTINED, 5
    db.session.commit()
    with pytest.raises(Invalid, match="unsubscribed"):
        dead_letters.retry(left.id, now=at(5))
    with pytest.raises(Invalid, match="reinstate"):
        dead_letters.retry(bounced.id, now=at(5))
    subscriber_admin.reinstate(hook, now=at(6))
    dead_letters.retry(bounced.id, now=at(7))
    assert subscriber(HOOK, "webhook").bounce_count == 0
    with pytest.raises(Invalid, match="Only a quarantined"):
        subscriber_admin.reinstate(subscriber(HOOK, "webhook"), now=at(8))


def test_retry_all_of_a_notification(app, people):
    """Does "retry all" requeue every failed delivery of that notification, leave out those
    who unsubscribed, touch no other notification, and say how many?"""
    ada, bob, hook = people
    outage, other = notification(), notification()
    to_ada = delivery(ada, DeliveryState.DEAD, of=outage)
    to_hook = delivery(hook, DeliveryState.DEAD, of=outage)
    sent = delivery(bob, DeliveryState.SENT, of=outage)
    elsewhere = delivery(ada, DeliveryState.DEAD, of=other)
    hook.state = SubscriberState.UNSUBSCRIBED
    db.session.commit()
    groups = dead_letters.dead_groups()
    assert [(g.notification.id, g.failed) for g in groups] == [(other.id, 1), (outage.id, 2)]

    result = dead_letters.retry_all(outage.id, now=at(30), actor="admin@example.com")

    assert (result.retried, result.left_out) == (1, 1)
    assert _state(to_ada) == (DeliveryState.PENDING, 8, at(30))
    assert _state(to_hook)[0] == DeliveryState.DEAD
    assert _state(sent)[0] == DeliveryState.SENT
    assert _state(elsewhere)[0] == DeliveryState.DEAD
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery.retry_all"))
    assert event.details == {"retried": 1, "left_out": 1}
    with pytest.raises(Invalid, match="unsubscribed or are quarantined"):
        dead_letters.retry_all(outage.id, now=at(31))
    with pytest.raises(NotFound):
        dead_letters.retry_all(99999, now=at(31))
    with pytest.raises(Invalid, match="no failed deliveries"):
        dead_letters.retry_all(notification().id, now=at(31))
