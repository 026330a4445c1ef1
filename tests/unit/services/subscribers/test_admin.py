"""The subscriber functions behind the admin pages: search, export, remove, consent record,
delivery history and reinstating (dead letters: test_dead_letters.py)."""

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
    NotificationKind,
    Subscriber,
    SubscriptionTarget,
)
from app.services import subscriber_admin as admin
from app.services.errors import Invalid, NotFound
from tests.subscriber_fixtures import at, subscriber
from tests.subscriber_records import delivery, signed_up


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
    signed_up("=cmd@example.com", component_ids=[catalogue.api_id], group_ids=[catalogue.group_id])
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
    delivery(ada, DeliveryState.SENT)
    admin.remove(ada, now=at(0), actor=admin_user)
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
    assert event.details == {
        "kind": "email",
        "source": "form",
        "deliveries": 1,
        "suppressed": "removed",
    }


def test_consent_record_and_delivery_history(app, people):
    """Can an admin show what a subscriber agreed to, and every delivery newest first?"""
    ada = people[0]
    record = admin.consent_record(ada)
    assert (record.source, record.asked_at, record.asked_ip) == ("form", at(0), "203.0.113.7")
    assert (record.confirmed_at, record.confirm_ip) == (at(1), "203.0.113.7")
    assert record.consent_text_version == "test-1"
    first = delivery(ada, DeliveryState.SENT)
    second = delivery(ada, DeliveryState.DEAD, "550 no such user")
    history = admin.delivery_history(ada)
    assert [d.id for d in history.items] == [second.id, first.id]
    assert history.items[0].notification.kind == NotificationKind.INCIDENT_OPENED
