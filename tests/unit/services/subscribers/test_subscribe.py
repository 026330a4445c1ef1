"""Subscribing: one confirmation per address, the same answer for everyone, consent recorded."""

from __future__ import annotations

import pytest

from app.models import NotificationKind, SubscriberState, SubscriptionTarget
from app.services import incidents, subscriptions
from app.services.errors import Invalid, NotFound
from tests.subscriber_fixtures import at, evidence, link, queued, subscriber

CONFIRM = NotificationKind.CONFIRM
KNOWN = NotificationKind.ALREADY_SUBSCRIBED


def test_new_address_gets_one_confirmation_and_its_consent_is_recorded(app, mail_on):
    """Does a new address get exactly one confirmation mail, with when, where from and which
    wording it agreed to on record?"""
    subscriptions.subscribe("Ada@Example.COM", "email", evidence=evidence(0))

    ada = subscriber("ada@example.com")
    assert ada.state == SubscriberState.PENDING
    assert [n.subscriber_id for n in queued()] == [ada.id]
    assert queued()[0].kind == CONFIRM
    assert (ada.consent_at, ada.consent_ip, ada.consent_text_version) == (
        at(0),
        "203.0.113.7",
        "test-1",
    )
    assert ada.consent_user_agent == "Mozilla/5.0 (pytest)"
    assert ada.source == "form" and ada.all_components


def test_asking_again_within_the_cooldown_sends_nothing_more(app, mail_on):
    """Can someone flood an inbox by submitting the form or "send again" over and over?"""
    for minute in range(0, 10, 2):
        subscriptions.subscribe("ada@example.com", "email", evidence=evidence(minute))
        subscriptions.resend("ada@example.com", "email", evidence=evidence(minute + 1))
    assert len(queued(CONFIRM)) == 1

    subscriptions.resend("ada@example.com", "email", evidence=evidence(11))
    assert len(queued(CONFIRM)) == 2


def test_an_unconfirmed_address_gets_a_few_confirmations_at_most(app, mail_on):
    """However patiently someone waits out the cooldown, does an address that never confirms
    stop receiving confirmation mails after a few?"""
    for attempt in range(12):
        subscriptions.subscribe("ada@example.com", "email", evidence=evidence(attempt * 60))
    assert len(queued(CONFIRM)) == subscriptions.MAX_CONFIRMATIONS


def test_a_confirmed_address_gets_its_manage_link_and_keeps_its_choices(app, mail_on, catalogue):
    """When a subscriber fills in the form again, are their choices left alone and do they
    get a mail with their manage link instead of a second confirmation?"""
    subscriptions.subscribe(
        "ada@example.com",
        "email",
        component_ids=[catalogue.api_id],
        group_ids=[],
        evidence=evidence(0),
    )
    subscriptions.confirm(link("confirm", subscriber("ada@example.com")), evidence=evidence(1))

    answer = subscriptions.subscribe("ada@example.com", "email", evidence=evidence(30))

    assert answer is None  # the same (empty) answer as for a new address
    ada = subscriber("ada@example.com")
    assert ada.state == SubscriberState.CONFIRMED
    assert not ada.all_components
    assert [t.component_id for t in ada.targets] == [catalogue.api_id]
    assert [n.kind for n in queued()] == [CONFIRM, KNOWN]


def test_confirm_works_once_and_records_who_confirmed(app, mail_on):
    """Does the confirm link confirm, record the confirming browser, and refuse a second use?"""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    token = link("confirm", subscriber("ada@example.com"))

    confirmed = subscriptions.confirm(token, evidence=evidence(5, ip="198.51.100.9"))

    assert confirmed.state == SubscriberState.CONFIRMED
    assert (confirmed.confirmed_at, confirmed.confirm_ip) == (at(5), "198.51.100.9")
    assert confirmed.confirm_user_agent == "Mozilla/5.0 (pytest)"
    with pytest.raises(Invalid, match="already been used"):
        subscriptions.confirm(token, evidence=evidence(6))
    with pytest.raises(Invalid, match="already been used"):
        subscriptions.pending_for_confirmation(token)


def test_unsubscribed_address_can_subscribe_again(app, mail_on):
    """Can someone who left come back, with a fresh double opt-in?"""
    from app.services import subscription_manage

    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    subscriptions.confirm(link("confirm", subscriber("ada@example.com")), evidence=evidence(1))
    subscription_manage.unsubscribe(subscriber("ada@example.com"), now=at(2))

    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(60))

    ada = subscriber("ada@example.com")
    assert ada.state == SubscriberState.PENDING and ada.unsubscribed_at is None
    assert len(queued(CONFIRM)) == 2


def test_a_quarantined_address_gets_nothing(app, mail_on):
    """Is an address that kept bouncing left alone, without telling the visitor so?"""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    ada = subscriber("ada@example.com")
    ada.state = SubscriberState.QUARANTINED
    from app.extensions import db

    db.session.commit()
    assert subscriptions.subscribe("ada@example.com", "email", evidence=evidence(60)) is None
    assert len(queued()) == 1


def test_following_one_incident(app, mail_on, catalogue):
    """Does "Follow this incident" subscribe to that incident only?"""
    incident = incidents.open_incident(
        name="Slow API",
        impact="minor",
        message="Slow.",
        components={catalogue.api_id: "degraded_performance"},
    )
    subscriptions.subscribe(
        "ada@example.com", "email", incident_id=incident.id, evidence=evidence(0)
    )
    ada = subscriber("ada@example.com")
    assert not ada.all_components
    assert [(t.component_id, t.group_id, t.incident_id) for t in ada.targets] == [
        (None, None, incident.id)
    ]


def test_following_an_unknown_incident_writes_nothing(app, mail_on):
    """Is following an incident that does not exist a clear 404, with nothing written?"""
    with pytest.raises(NotFound, match="No such incident"):
        subscriptions.subscribe("ada@example.com", "email", incident_id=999, evidence=evidence())
    assert subscriber("ada@example.com") is None and queued() == []


def test_unknown_components_or_nothing_chosen_are_refused_with_nothing_written(
    app, mail_on, catalogue
):
    """Does a choice of a deleted component, or of nothing, leave no subscriber behind?"""
    with pytest.raises(Invalid, match="no longer exists"):
        subscriptions.subscribe(
            "ada@example.com",
            "email",
            component_ids=[catalogue.api_id, 9999],
            group_ids=[],
            evidence=evidence(),
        )
    with pytest.raises(Invalid, match="no longer exists"):
        subscriptions.subscribe(
            "ada@example.com", "email", component_ids=[], group_ids=[9999], evidence=evidence()
        )
    with pytest.raises(Invalid, match="at least one"):
        subscriptions.subscribe(
            "ada@example.com", "email", component_ids=[], group_ids=[], evidence=evidence()
        )
    assert subscriber("ada@example.com") is None and queued() == []
    from sqlalchemy import select

    from app.extensions import db

    assert db.session.scalars(select(SubscriptionTarget)).all() == []


def test_purge_removes_only_what_stayed_unconfirmed_for_a_week(app, mail_on):
    """After 7 days, are unconfirmed addresses (and their queued mail) gone, and everyone
    else kept?"""
    subscriptions.subscribe("old@example.com", "email", evidence=evidence(0))
    subscriptions.subscribe("recent@example.com", "email", evidence=evidence(6 * 24 * 60))
    subscriptions.subscribe("kept@example.com", "email", evidence=evidence(0))
    subscriptions.confirm(link("confirm", subscriber("kept@example.com")), evidence=evidence(1))

    removed = subscriptions.purge_unconfirmed(at(7 * 24 * 60 + 1))

    assert removed == 1
    assert subscriber("old@example.com") is None
    assert subscriber("recent@example.com").state == SubscriberState.PENDING
    assert subscriber("kept@example.com").state == SubscriberState.CONFIRMED
    assert {n.subscriber_id for n in queued()} == {
        subscriber("recent@example.com").id,
        subscriber("kept@example.com").id,
    }


def test_email_is_refused_while_mail_is_off(app, mail_off):
    """Without SMTP_URL, is an email subscription refused with a message that says why?"""
    with pytest.raises(Invalid, match="Email updates are off"):
        subscriptions.subscribe("ada@example.com", "email", evidence=evidence())
    assert subscriber("ada@example.com") is None
    assert [k.value for k in subscriptions.available_kinds()] == ["webhook", "slack", "discord"]


def test_two_requests_for_one_new_address_at_the_same_moment(app, mail_on):
    """When the same new address is submitted twice at the same moment (a double click, two
    tabs), does each get the normal answer, with one subscriber and one confirmation?"""
    import threading

    from app.extensions import db

    errors: list[BaseException] = []
    for round_ in range(3):
        address = f"twin{round_}@example.com"
        barrier = threading.Barrier(2)

        def ask(address=address, barrier=barrier):
            with app.app_context():
                try:
                    barrier.wait(timeout=10)
                    subscriptions.subscribe(address, "email", evidence=evidence(0))
                except BaseException as exc:  # reported below, in the test's own thread
                    errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        db.session.rollback()  # end this session's snapshot: the threads wrote after it began
        twin = subscriber(address)
        assert [n.subscriber_id for n in queued(CONFIRM)].count(twin.id) == 1
