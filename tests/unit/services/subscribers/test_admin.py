"""The subscriber functions behind the admin pages: search, export, remove, consent record,
delivery history, dead letters and retry."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberState,
    SubscriptionTarget,
)
from app.services import subscriber_admin as admin
from app.services import subscriptions
from app.services.errors import Invalid, NotFound
from tests.subscriber_fixtures import at, evidence, link, subscriber


def _subscribe(address: str, kind: str = "email", confirm: bool = True, **choice) -> Subscriber:
    subscriptions.subscribe(address, kind, evidence=evidence(0), **choice)
    if confirm:
        subscriptions.confirm(link("confirm", subscriber(address, kind)), evidence=evidence(1))
    return subscriber(address, kind)


def _delivery(who: Subscriber, state: DeliveryState, error: str | None = None) -> Delivery:
    notification = Notification(kind=NotificationKind.INCIDENT_OPENED)
    db.session.add(notification)
    db.session.flush()
    delivery = Delivery(
        notification_id=notification.id,
        subscriber_id=who.id,
        state=state,
        attempts=8,
        next_attempt_at=at(0),
        last_error=error,
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery


@pytest.fixture
def people(app, mail_on):
    ada = _subscribe("ada@example.com")
    bob = _subscribe("bob@example.org", confirm=False)
    hook = _subscribe("https://93.184.216.34/ada-hook", "webhook")
    return ada, bob, hook


def test_search_by_address_kind_and_state_newest_first(app, people):
    """Can an admin find subscribers by part of the address, kind and state, newest first?"""
    ada, bob, hook = people
    assert [s.id for s in admin.search().items] == [hook.id, bob.id, ada.id]
    assert [s.id for s in admin.search("ADA").items] == [hook.id, ada.id]
    assert [s.id for s in admin.search("ada", kind="email").items] == [ada.id]
    assert [s.id for s in admin.search(state="pending").items] == [bob.id]
    assert admin.search("%").total == 0  # a wildcard is searched as itself
    page = admin.search(per_page=2, page=2)
    assert (page.total, page.pages, [s.id for s in page.items]) == (3, 2, [ada.id])


def test_search_refuses_unknown_filters(app, people):
    """Is an unknown kind, state or page a clear error rather than an empty list?"""
    with pytest.raises(Invalid):
        admin.search(kind="fax")
    with pytest.raises(Invalid):
        admin.search(state="asleep")
    with pytest.raises(Invalid):
        admin.search(page=0)
    with pytest.raises(NotFound):
        admin.get_subscriber(99999)


def test_export_is_a_csv_of_every_subscriber_safe_for_spreadsheets(app, mail_on, catalogue):
    """Does the export list everyone with their choices and consent, streamed in pieces, with
    cells that a spreadsheet cannot run as formulas?"""
    _subscribe("=cmd@example.com", component_ids=[catalogue.api_id], group_ids=[catalogue.group_id])
    for n in range(admin.EXPORT_BATCH + 3):
        db.session.add(
            Subscriber(
                kind="email", address=f"user{n}@example.com", token_nonce="n", source="import"
            )
        )
    db.session.commit()

    chunks = list(admin.export_csv())

    assert len(chunks) >= 3  # header, then one chunk per batch
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(rows) == admin.EXPORT_BATCH + 4
    first = rows[0]
    assert first["address"] == "'=cmd@example.com"
    assert first["state"] == "confirmed" and first["consent_ip"] == "203.0.113.7"
    assert first["components"] and first["groups"]
    assert rows[-1]["components"] == "all"
    assert list(rows[0]) == admin.EXPORT_COLUMNS


def test_remove_deletes_the_subscriber_with_its_history(app, people, admin_user):
    """Does removing a subscriber erase its choices and deliveries, and leave an audit entry
    without the address?"""
    ada = people[0]
    _delivery(ada, DeliveryState.SENT)
    admin.remove(ada, actor=admin_user)
    assert subscriber("ada@example.com") is None
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert (
        db.session.scalar(
            select(func.count(SubscriptionTarget.id)).where(
                SubscriptionTarget.subscriber_id == ada.id
            )
        )
        == 0
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subscriber.remove"))
    assert event.actor_label == admin_user.email
    assert "ada@" not in str(event.details)


def test_consent_record_and_delivery_history(app, people):
    """Can an admin show what a subscriber agreed to, and every delivery newest first?"""
    ada = people[0]
    record = admin.consent_record(ada)
    assert (record.source, record.asked_at, record.asked_ip) == ("form", at(0), "203.0.113.7")
    assert (record.confirmed_at, record.confirm_ip) == (at(1), "203.0.113.7")
    assert record.consent_text_version == "test-1"
    first = _delivery(ada, DeliveryState.SENT)
    second = _delivery(ada, DeliveryState.DEAD, "550 no such user")
    history = admin.delivery_history(ada)
    assert [d.id for d in history.items] == [second.id, first.id]
    assert history.items[0].notification.kind == NotificationKind.INCIDENT_OPENED


def test_dead_letters_and_retry(app, people):
    """Are failed deliveries listed, and does retry put one back in the queue, due now, with
    fresh attempts — once?"""
    ada, _, hook = people
    _delivery(ada, DeliveryState.SENT)
    dead = _delivery(hook, DeliveryState.DEAD, "HTTP 500")
    assert [d.id for d in admin.dead_letters().items] == [dead.id]

    admin.retry(dead.id, now=at(60), actor="admin@example.com")

    db.session.expire_all()
    again = db.session.get(Delivery, dead.id)
    assert (again.state, again.attempts, again.next_attempt_at) == (
        DeliveryState.PENDING,
        0,
        at(60),
    )
    assert admin.dead_letters().items == []
    with pytest.raises(Invalid, match="Only failed"):
        admin.retry(dead.id, now=at(61))
    with pytest.raises(NotFound):
        admin.retry(99999, now=at(61))


def test_retry_is_refused_for_subscribers_who_left_or_bounce(app, people):
    """Is retrying for an unsubscribed or quarantined subscriber refused, saying why, until an
    admin reinstates the quarantined one?"""
    ada, _, hook = people
    left = _delivery(ada, DeliveryState.DEAD)
    ada.state = SubscriberState.UNSUBSCRIBED
    bounced = _delivery(hook, DeliveryState.DEAD)
    hook.state, hook.bounce_count = SubscriberState.QUARANTINED, 5
    db.session.commit()
    with pytest.raises(Invalid, match="unsubscribed"):
        admin.retry(left.id, now=at(5))
    with pytest.raises(Invalid, match="reinstate"):
        admin.retry(bounced.id, now=at(5))
    admin.reinstate(hook, now=at(6))
    admin.retry(bounced.id, now=at(7))
    assert subscriber("https://93.184.216.34/ada-hook", "webhook").bounce_count == 0
