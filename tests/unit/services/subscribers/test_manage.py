"""Managing a subscription from its links: choices, pause, follow, unsubscribe, tokens."""

from __future__ import annotations

import time

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import SubscriberState
from app.services import incidents, subscriber_tokens, subscriptions
from app.services import subscription_choices as choices
from app.services import subscription_manage as manage
from app.services.errors import Invalid
from tests.subscriber_fixtures import at, evidence, link, subscriber


@pytest.fixture
def ada(app, mail_on):
    """A confirmed subscriber to everything."""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    return subscriptions.confirm(
        link("confirm", subscriber("ada@example.com")), evidence=evidence(1)
    )


def _old_token(purpose: str, who, hours: float) -> str:
    """A link made `hours` ago, signed exactly as the mailer signs them."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - hours * 3600)

    salt = subscriber_tokens._serializer(subscriber_tokens.Purpose(purpose)).salt
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=Then)
    return serializer.dumps([who.id, who.token_nonce])


def test_confirm_link_expires_after_48_hours(app, mail_on):
    """Is a confirm link from two days ago refused, saying it expired, while one from
    47 hours ago still works?"""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    pending = subscriber("ada@example.com")
    with pytest.raises(Invalid, match="expired"):
        subscriptions.confirm(_old_token("confirm", pending, 48.1), evidence=evidence(1))
    assert subscriber("ada@example.com").state == SubscriberState.PENDING
    subscriptions.confirm(_old_token("confirm", pending, 47), evidence=evidence(1))
    assert subscriber("ada@example.com").state == SubscriberState.CONFIRMED


def test_forged_and_cross_purpose_tokens_are_refused(app, ada):
    """Does a tampered link, or a manage link used to confirm or unsubscribe, fail?"""
    manage_token = link("manage", ada)
    with pytest.raises(Invalid, match="not valid"):
        manage.from_manage_link(manage_token[:-2] + ("AA" if manage_token[-2:] != "AA" else "BB"))
    with pytest.raises(Invalid, match="not valid"):
        subscriptions.confirm(manage_token, evidence=evidence(2))
    with pytest.raises(Invalid, match="not valid"):
        manage.unsubscribe_with_link(manage_token, now=at(2))
    with pytest.raises(Invalid, match="not valid"):
        manage.from_manage_link("x" * 600)
    assert subscriber("ada@example.com").state == SubscriberState.CONFIRMED


def test_choosing_components_and_back_to_everything(app, ada, catalogue):
    """Can a subscriber narrow down to some components, then go back to everything?"""
    manage.set_choices(ada, [catalogue.website_id], [catalogue.group_id], now=at(5))
    ada = subscriber("ada@example.com")
    assert not ada.all_components
    assert {(t.component_id, t.group_id) for t in ada.targets} == {
        (catalogue.website_id, None),
        (None, catalogue.group_id),
    }
    manage.set_choices(ada, None, None, now=at(6))
    assert subscriber("ada@example.com").all_components


def test_changing_choices_keeps_incidents_followed(app, ada, catalogue):
    """Does saving component choices keep the incidents followed one by one?"""
    incident = incidents.open_incident(name="Slow", impact="minor", message="Slow.")
    manage.set_choices(ada, [catalogue.api_id], [], now=at(4))
    manage.follow_incident(ada, incident.id, now=at(5))
    manage.follow_incident(ada, incident.id, now=at(6))  # twice: still one
    manage.set_choices(ada, [catalogue.website_id], [], now=at(7))
    ada = subscriber("ada@example.com")
    assert sorted((t.component_id or 0, t.incident_id or 0) for t in ada.targets) == [
        (0, incident.id),
        (catalogue.website_id, 0),
    ]
    manage.unfollow_incident(ada, incident.id, now=at(8))
    assert [t.component_id for t in subscriber("ada@example.com").targets] == [catalogue.website_id]


def test_the_last_thing_followed_cannot_be_dropped(app, mail_on):
    """Is unfollowing the only incident an incident-follower follows refused (unsubscribe is
    the way out), so no subscriber is left following nothing?"""
    incident = incidents.open_incident(name="Slow", impact="minor", message="Slow.")
    subscriptions.subscribe("bo@example.com", "email", incident_id=incident.id, evidence=evidence())
    with pytest.raises(Invalid, match="unsubscribe instead"):
        manage.unfollow_incident(subscriber("bo@example.com"), incident.id, now=at(1))


def test_pause_and_resume(app, ada):
    """Can a subscriber pause (receive nothing) and resume?"""
    manage.set_paused(ada, True, now=at(5))
    assert not subscriber("ada@example.com").receives_mail
    manage.set_paused(subscriber("ada@example.com"), False, now=at(6))
    assert subscriber("ada@example.com").receives_mail


def test_an_unconfirmed_subscription_cannot_be_paused(app, mail_on):
    """Is pausing refused before the subscription is confirmed?"""
    subscriptions.subscribe("bo@example.com", "email", evidence=evidence())
    with pytest.raises(Invalid, match="Confirm the subscription first"):
        manage.set_paused(subscriber("bo@example.com"), True, now=at(1))


def test_unsubscribe_link_is_idempotent_and_ends_older_links(app, ada):
    """Does the unsubscribe link work again and again, and stop the old manage link?"""
    unsubscribe, manage_token = link("unsubscribe", ada), link("manage", ada)
    manage.unsubscribe_with_link(unsubscribe, now=at(10))
    manage.unsubscribe_with_link(unsubscribe, now=at(11))
    gone = subscriber("ada@example.com")
    assert gone.state == SubscriberState.UNSUBSCRIBED and gone.unsubscribed_at == at(10)
    assert not gone.receives_mail
    with pytest.raises(Invalid, match="no longer works"):
        manage.from_manage_link(manage_token)


def test_unsubscribe_link_of_a_removed_subscriber_still_answers(app, ada):
    """If an admin deleted the subscriber, does its unsubscribe link still succeed quietly?"""
    token = link("unsubscribe", ada)
    db.session.delete(ada)
    db.session.commit()
    assert manage.from_unsubscribe_link(token) is None
    manage.unsubscribe_with_link(token, now=at(3))


def test_a_link_from_before_confirmation_is_refused(app, mail_on):
    """Once confirmed, does a manage link from the confirmation mail stop working (it was
    made for the unconfirmed subscription)?"""
    subscriptions.subscribe("bo@example.com", "email", evidence=evidence())
    early = link("manage", subscriber("bo@example.com"))
    manage.from_manage_link(early)
    subscriptions.confirm(link("confirm", subscriber("bo@example.com")), evidence=evidence(1))
    with pytest.raises(Invalid, match="no longer works"):
        manage.from_manage_link(early)


def test_a_webhook_can_get_a_new_signing_secret(app, mail_off):
    """Can a confirmed webhook replace its signing secret, and is an email refused one?"""
    subscriptions.subscribe("https://93.184.216.34/hook", "webhook", evidence=evidence())
    hook = subscriber("https://93.184.216.34/hook", "webhook")
    with pytest.raises(Invalid, match="Confirm"):
        manage.new_signing_secret(hook, now=at(1))
    hook = subscriptions.confirm(link("confirm", hook), evidence=evidence(1))
    old = hook.signing_secret
    new = manage.new_signing_secret(hook, now=at(2))
    assert new != old and subscriber("https://93.184.216.34/hook", "webhook").signing_secret == new


def test_checkboxes_read_as_a_person_means_them(app, catalogue):
    """Ticking everything means everything; a ticked group with one of its components
    unticked means only the ticked components; a group with all its components ticked is
    the whole group (including components added to it later)."""
    c = catalogue
    everything = choices.from_checkboxes([c.api_id, c.database_id, c.website_id], [c.group_id])
    assert everything == (None, None)
    assert choices.from_checkboxes([c.api_id, c.website_id], [c.group_id]) == (
        [c.api_id, c.website_id],
        [],
    )
    assert choices.from_checkboxes([c.api_id, c.database_id], [c.group_id]) == ([], [c.group_id])
    assert choices.from_checkboxes([], []) == ([], [])
    with pytest.raises(Invalid, match="no longer exists"):
        choices.from_checkboxes([12345], [])
