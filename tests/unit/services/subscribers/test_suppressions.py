"""The suppression list: an address an admin removed is never written to again, without
anyone being able to tell from the outside, until an admin lifts it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    NotificationKind,
    Subscriber,
    SubscriberState,
    Suppression,
    SuppressionReason,
)
from app.services import subscriber_admin, subscriber_import, subscriptions, suppressions
from app.services.errors import Invalid, NotFound
from tests.subscriber_fixtures import at, evidence, queued, subscriber

CONFIRM = NotificationKind.CONFIRM


def _removed(address: str, reason=SuppressionReason.REMOVED, actor=None) -> None:
    subscriptions.subscribe(address, "email", evidence=evidence(0))
    subscriber_admin.remove(subscriber(address), reason, now=at(1), actor=actor)


def test_a_removed_address_signing_up_again_gets_no_mail(app, mail_on):
    """After an admin removed an address on request, does signing it up again (in any
    spelling) store nothing and send nothing, while the caller sees the usual answer?"""
    _removed("ada@example.com")
    before = len(queued(CONFIRM))
    assert subscriptions.subscribe("Ada@Example.com", "email", evidence=evidence(60)) is None
    subscriptions.resend("ada@example.com", "email", evidence=evidence(61))
    assert subscriber("ada@example.com") is None
    assert len(queued(CONFIRM)) == before


def test_only_a_fingerprint_of_the_address_is_kept(app, mail_on):
    """Does the suppression list keep no trace of the address itself, only its hash and why?"""
    _removed("ada@example.com", SuppressionReason.COMPLAINED)
    row = db.session.scalar(select(Suppression))
    assert row.reason == SuppressionReason.COMPLAINED
    assert "ada" not in row.address_hash and len(row.address_hash) == 64
    assert suppressions.look_up("ADA@example.com").id == row.id
    assert suppressions.look_up("bob@example.com") is None


def test_an_import_skips_suppressed_addresses(app, mail_on):
    """Does a CSV import leave out a removed address (and say so), confirmed or asked?"""
    _removed("ada@example.com")
    before = len(queued(CONFIRM))
    for mode in ("send_confirmation", "confirmed"):
        result = subscriber_import.import_csv(
            "email\nada@example.com\nbob@example.com\n", mode, now=at(120)
        )
        assert result.suppressed == 1
    assert subscriber("ada@example.com") is None
    assert subscriber("bob@example.com") is not None
    assert [n.subscriber_id for n in queued(CONFIRM)][-1] == subscriber("bob@example.com").id
    assert len(queued(CONFIRM)) == before + 1  # bob's


def test_lifting_a_suppression_lets_the_address_sign_up_again(app, mail_on, admin_user):
    """Once an admin lifts a suppression (audited), does the address confirm like anyone new?"""
    _removed("ada@example.com")
    row = db.session.scalar(select(Suppression))
    suppressions.lift(row.id, actor=admin_user)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "subscriber.unsuppress")
    )
    assert event.actor_label == admin_user.email
    assert event.details == {"kind": "email", "reason": "removed"}
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(60))
    assert subscriber("ada@example.com").state == SubscriberState.PENDING
    with pytest.raises(NotFound):
        suppressions.lift(row.id, actor=admin_user)


def test_removing_twice_the_same_address_keeps_one_entry(app, mail_on):
    """When the same address is removed a second time (it came back while suppressed, say
    from before the list existed), is the list left with one entry rather than an error?"""
    _removed("ada@example.com")
    db.session.add(
        Subscriber(
            kind="email",
            address="ada@example.com",
            state=SubscriberState.CONFIRMED,
            token_nonce="n",
            created_at=at(2),
            confirmations_sent=0,
            bounce_count=0,
            paused=False,
        )
    )
    db.session.commit()
    subscriber_admin.remove(subscriber("ada@example.com"), now=at(3))
    assert db.session.scalar(select(func.count(Suppression.id))) == 1


def test_a_made_up_reason_is_refused(app, mail_on):
    """Is a reason that is not one of the list a clear error, with nothing removed?"""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    with pytest.raises(Invalid):
        subscriber_admin.remove(subscriber("ada@example.com"), "bored", now=at(1))
    assert subscriber("ada@example.com") is not None
    assert db.session.scalar(select(func.count(Suppression.id))) == 0


def test_quarantined_subscribers_are_listed_as_suppressed(app, mail_on):
    """Does the suppressed page's list of quarantined subscribers hold the bounced ones?"""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    ada = subscriber("ada@example.com")
    ada.state = SubscriberState.QUARANTINED
    db.session.commit()
    found, total = suppressions.quarantined()
    assert ([s.id for s in found], total) == ([ada.id], 1)
