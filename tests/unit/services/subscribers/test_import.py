"""Importing subscribers from CSV: all or nothing, bad lines reported by number."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import NotificationKind, Subscriber, SubscriberState
from app.services import subscriber_import, subscriptions
from app.services.errors import Invalid
from app.services.subscriber_import import ImportRejected
from tests.subscriber_fixtures import at, evidence, link, queued, subscriber


def _count() -> int:
    return db.session.scalar(select(func.count(Subscriber.id))) or 0


def test_import_as_confirmed(app, mail_on, catalogue):
    """Does an import add each new address, marked as imported and confirmed, with the
    components and groups given by name or code?"""
    data = (
        b"email,components,groups\r\n"
        b"Ada@Example.com,,\r\n"
        b"bob@example.com,website,\r\n"
        b"cy@example.com,,core\r\n"
    )
    result = subscriber_import.import_csv(data, "confirmed", now=at(0), actor="admin@example.com")

    assert (result.added, result.already_known, result.confirmations_queued) == (3, 0, 0)
    ada, bob, cy = (subscriber(a) for a in ("ada@example.com", "bob@example.com", "cy@example.com"))
    assert ada.state == SubscriberState.CONFIRMED and ada.source == "import" and ada.all_components
    assert [t.component_id for t in bob.targets] == [catalogue.website_id]
    assert [t.group_id for t in cy.targets] == [catalogue.group_id]
    assert queued() == []


def test_import_sending_confirmations(app, mail_on):
    """With "send a confirmation", is each new address pending with one confirmation mail?"""
    result = subscriber_import.import_csv(
        "email\nada@example.com\nbob@example.com\n", "send_confirmation", now=at(0)
    )
    assert result.confirmations_queued == 2
    assert subscriber("ada@example.com").state == SubscriberState.PENDING
    assert len(queued(NotificationKind.CONFIRM)) == 2


def test_bad_lines_are_reported_by_number_and_nothing_is_imported(app, mail_on, catalogue):
    """Does one bad line stop the whole import, with every bad line named?"""
    data = (
        "email,components\n"
        "ada@example.com,\n"
        "not-an-address,\n"
        "\n"
        "bob@example.com,Nonexistent\n"
        '"cy@example.com\r\nBcc: x@example.com",\n'
        "dee@example.com,\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        subscriber_import.import_csv(data, "confirmed", now=at(0))
    problems = rejected.value.problems
    assert problems[0].startswith("line 3: ")
    assert problems[1].startswith("line 5: ") and "Nonexistent" in problems[1]
    assert problems[2].startswith("line 6: ") and "one line" in problems[2]
    assert len(problems) == 3
    assert "Nothing was imported" in rejected.value.message
    assert _count() == 0 and queued() == []


def test_known_repeated_and_opted_out_addresses_are_left_alone(app, mail_on):
    """Are existing subscribers unchanged (an unsubscribed one is not signed up again),
    repeated lines counted once, and exported unsubscribed rows skipped?"""
    subscriptions.subscribe("gone@example.com", "email", evidence=evidence(0))
    gone = subscriptions.confirm(
        link("confirm", subscriber("gone@example.com")), evidence=evidence(1)
    )
    from app.services import subscription_manage

    subscription_manage.unsubscribe(gone, now=at(2))
    data = (
        "address,state\n"
        "gone@example.com,confirmed\n"
        "new@example.com,\n"
        "NEW@example.com,\n"
        "left@example.com,unsubscribed\n"
    )
    result = subscriber_import.import_csv(data, "confirmed", now=at(5))
    assert (result.added, result.already_known, result.repeated, result.opted_out) == (1, 1, 1, 1)
    assert subscriber("gone@example.com").state == SubscriberState.UNSUBSCRIBED
    assert subscriber("left@example.com") is None


@pytest.mark.parametrize(
    ("data", "mode", "why"),
    [
        (b"\xff\xfe\x00garbage", "confirmed", "UTF-8"),
        ("name,phone\nada,123\n", "confirmed", "one called email"),
        ("", "confirmed", "one called email"),
        ("email\nada@example.com\n", "maybe", "confirmed or asked"),
    ],
)
def test_unreadable_files_are_refused(app, mail_on, data, mode, why):
    """Is a file that is not UTF-8 CSV with an email column refused with a reason?"""
    with pytest.raises(Invalid, match=why):
        subscriber_import.import_csv(data, mode, now=at(0))
    assert _count() == 0


def test_sending_confirmations_needs_mail(app, mail_off):
    """With mail off, is "send a confirmation" refused rather than queueing mail that never
    leaves?"""
    with pytest.raises(Invalid, match="Email updates are off"):
        subscriber_import.import_csv("email\nada@example.com\n", "send_confirmation", now=at(0))
    assert _count() == 0


def test_an_oversized_file_is_refused(app, mail_on):
    """Is a file larger than the limit refused before any line is read?"""
    data = b"email\n" + b"a@example.com\n" * (subscriber_import.MAX_BYTES // 14 + 1)
    with pytest.raises(Invalid, match="larger than"):
        subscriber_import.import_csv(data, "confirmed", now=at(0))
    assert _count() == 0


def test_webhooks_are_imported_only_with_a_confirmation(app, mail_on, loopback_webhooks):
    """Is a webhook row refused in "confirmed" mode (its owner would never see the signing
    secret), and accepted when it gets a confirmation?"""
    data = "email,kind\nada@example.com,email\nhttps://127.0.0.1:8443/hook,webhook\n"
    with pytest.raises(ImportRejected) as rejected:
        subscriber_import.import_csv(data, "confirmed", now=at(0))
    assert rejected.value.problems[0].startswith("line 3: a webhook is confirmed")
    assert _count() == 0
    result = subscriber_import.import_csv(data, "send_confirmation", now=at(0))
    assert (result.added, result.confirmations_queued) == (2, 2)
    hook = subscriber("https://127.0.0.1:8443/hook", "webhook")
    assert hook.state == SubscriberState.PENDING and hook.source == "import"


@pytest.fixture
def wake_ups():
    """Counts the worker's wake-up calls (after a commit that queued a notification)."""
    from app.services import notifications

    calls = []

    def wake() -> None:
        calls.append(1)

    notifications.on_commit(wake)
    yield calls
    notifications._listeners.remove(wake)


def test_an_import_that_queues_confirmations_wakes_the_worker(app, mail_on, wake_ups):
    """Does the commit of an import with confirmations wake the worker at once, like a form
    subscription does, and one without them not?"""
    subscriber_import.import_csv("email\nada@example.com\n", "confirmed", now=at(0))
    assert wake_ups == []
    subscriber_import.import_csv("email\nbob@example.com\n", "send_confirmation", now=at(0))
    assert wake_ups == [1]
    confirm = queued(NotificationKind.CONFIRM)
    assert [n.subscriber_id for n in confirm] == [subscriber("bob@example.com").id]
