"""Managing a subscription from its signed link: choices, pause, follow, unsubscribe.

A manage or unsubscribe link names the subscriber and its current nonce;
the nonce changes on confirmation and on unsubscribe, so older links stop
working. Unsubscribing twice is not an error: the second time finds the
subscriber already gone and answers the same.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from app.extensions import db
from app.models import Subscriber, SubscriberKind, SubscriberState, SubscriptionTarget
from app.services import subscriber_tokens
from app.services import subscription_choices as choices
from app.services.errors import Invalid, LinkInvalid
from app.services.subscriber_tokens import Purpose
from app.services.subscriptions import LINK_REPLACED, new_nonce
from app.services.tx import transactional

NOT_CONFIRMED = "Confirm the subscription first, with the link sent to you."


def from_manage_link(token: str) -> Subscriber:
    """The subscriber a manage link is for, or Invalid when the link is forged, old or spent."""
    subscriber_id, nonce = subscriber_tokens.read(Purpose.MANAGE, token)
    subscriber = db.session.get(Subscriber, subscriber_id)
    if (
        subscriber is None
        or subscriber.token_nonce != nonce
        or subscriber.state == SubscriberState.UNSUBSCRIBED
    ):
        raise LinkInvalid(LINK_REPLACED, "token")
    return subscriber


def from_unsubscribe_link(token: str) -> Subscriber | None:
    """The subscriber to unsubscribe, or None when there is nothing left to do.

    None when it is already unsubscribed or was removed since the link was
    sent: one-click unsubscribe must succeed however often it is repeated.
    A link older than the subscriber's latest confirmation is refused.
    """
    subscriber_id, nonce = subscriber_tokens.read(Purpose.UNSUBSCRIBE, token)
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.state == SubscriberState.UNSUBSCRIBED:
        return None
    if subscriber.token_nonce != nonce:
        raise LinkInvalid(LINK_REPLACED, "token")
    return subscriber


@transactional
def unsubscribe_with_link(token: str, *, now: datetime) -> None:
    """RFC 8058 one-click: unsubscribe whoever the link names; idempotent."""
    subscriber = from_unsubscribe_link(token)
    if subscriber is not None:
        _unsubscribe(subscriber, now)


@transactional
def unsubscribe(subscriber: Subscriber, *, now: datetime) -> None:
    if subscriber.state != SubscriberState.UNSUBSCRIBED:
        _unsubscribe(subscriber, now)


def _unsubscribe(subscriber: Subscriber, now: datetime) -> None:
    subscriber.state = SubscriberState.UNSUBSCRIBED
    subscriber.unsubscribed_at = now
    subscriber.paused = False
    subscriber.token_nonce = new_nonce()
    subscriber.updated_at = now


@transactional
def set_choices(
    subscriber: Subscriber,
    component_ids: Iterable[int] | None,
    group_ids: Iterable[int] | None,
    *,
    now: datetime,
) -> None:
    """Follow these components and whole groups (both None: everything); incidents followed
    one by one stay followed."""
    choice = choices.check(
        list(component_ids) if component_ids is not None else None,
        list(group_ids) if group_ids is not None else None,
    )
    choices.replace(subscriber, choice, keep_incidents=True)
    subscriber.updated_at = now


@transactional
def follow_incident(subscriber: Subscriber, incident_id: int, *, now: datetime) -> None:
    """Also receive every update of one incident, whatever components it affects."""
    incident = choices.check([], [], incident_id).incident
    if all(t.incident_id != incident.id for t in subscriber.targets):
        subscriber.targets.append(SubscriptionTarget(incident_id=incident.id))
    subscriber.updated_at = now


@transactional
def unfollow_incident(subscriber: Subscriber, incident_id: int, *, now: datetime) -> None:
    remaining = [t for t in subscriber.targets if t.incident_id != incident_id]
    if not remaining and not subscriber.all_components:
        raise Invalid(
            "That is the only thing this subscription follows; unsubscribe instead.", "incident"
        )
    subscriber.targets = remaining
    subscriber.updated_at = now


@transactional
def set_paused(subscriber: Subscriber, paused: bool, *, now: datetime) -> None:
    """Pause (nothing is sent, choices kept) or resume a confirmed subscription."""
    if subscriber.state != SubscriberState.CONFIRMED:
        raise Invalid(NOT_CONFIRMED, "paused")
    subscriber.paused = paused
    subscriber.updated_at = now


@transactional
def new_signing_secret(subscriber: Subscriber, *, now: datetime) -> str:
    """Replace a confirmed webhook's signing secret; the new one is returned to show once."""
    if subscriber.kind != SubscriberKind.WEBHOOK:
        raise Invalid("Only webhooks have a signing secret.", "secret")
    if subscriber.state != SubscriberState.CONFIRMED:
        raise Invalid(NOT_CONFIRMED, "secret")
    subscriber.signing_secret = secrets.token_hex(32)
    subscriber.updated_at = now
    return subscriber.signing_secret
