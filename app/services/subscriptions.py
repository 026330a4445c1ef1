"""Subscribing: the double opt-in, confirming, and purging what was never confirmed.

Every answer is the same whether an address was known or not, so the form
cannot be used to learn who subscribes. What differs is only what gets queued
(through the outbox, in the same transaction):

- a new, pending or unsubscribed address: one CONFIRM, at most one per
  `COOLDOWN` and `MAX_CONFIRMATIONS` per address until it is confirmed;
- a confirmed address: one ALREADY_SUBSCRIBED (its manage link; choices
  unchanged), at most one per `COOLDOWN`;
- a quarantined address (it bounced) or one on the suppression list (an admin
  removed it: app/services/suppressions.py): nothing, and nothing is stored.

Webhook, Slack and Discord subscribers are confirmed by whoever controls the
endpoint: their CONFIRM is delivered to the URL itself (a JSON POST, or a
message in the channel) with the confirm link, as Amazon SNS does, so nobody can
point Herald at somebody else's endpoint. A webhook's signing secret is shown
once, on the page that confirms it, to whoever holds that link.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import NotificationKind, Subscriber, SubscriberKind, SubscriberState
from app.services import (
    notifications,
    subscriber_address,
    subscriber_tokens,
    suppressions,
    validate,
)
from app.services import subscription_choices as choices
from app.services.errors import Conflict, Invalid, LinkInvalid
from app.services.tx import transactional

COOLDOWN = timedelta(minutes=10)
MAX_CONFIRMATIONS = 5
UNCONFIRMED_KEPT = timedelta(days=7)
MAIL_OFF = (
    "Email updates are off on this page. Follow the feeds, or have updates sent to a "
    "webhook, Slack or Discord."
)
LINK_USED = (
    "This confirmation link has already been used, or a newer one replaced it. "
    "If you confirmed, you are subscribed: every update carries a link to manage it."
)
LINK_REPLACED = (
    "This link no longer works: it was replaced when the subscription was confirmed or "
    "ended. Use the link in the most recent update."
)


@dataclass(frozen=True)
class Evidence:
    """Who asked and agreed to what, from where: recorded as consent (GDPR art. 7(1))."""

    at: datetime
    ip: str | None = None
    user_agent: str | None = None
    consent_text_version: str | None = None


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def mail_enabled() -> bool:
    """Whether this site sends mail at all (`SMTP_URL` set)."""
    return bool(current_app.config.get("SMTP_URL"))


def available_kinds() -> list[SubscriberKind]:
    """The kinds of subscription this site offers: email only when mail is on."""
    return [k for k in SubscriberKind if k != SubscriberKind.EMAIL or mail_enabled()]


def checked_address(kind, address: str | None) -> tuple[SubscriberKind, str]:
    """(kind, the address as stored) or Invalid: also refuses email while mail is off."""
    kind = subscriber_address.parse_kind(kind)
    if kind == SubscriberKind.EMAIL and not mail_enabled():
        raise Invalid(MAIL_OFF, "kind")
    loopback = bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK"))
    return kind, subscriber_address.address(kind, address, allow_loopback=loopback)


def _clean(evidence: Evidence) -> Evidence:
    validate.aware(evidence.at, "time of consent")

    def bounded(value: str | None, length: int, field: str) -> str | None:
        value = (value or "")[:length]
        value = "".join(ch for ch in value if ch.isprintable())
        return validate.text(value, field, max_len=length, required=False)

    return replace(
        evidence,
        ip=bounded(evidence.ip, 45, "IP address"),
        user_agent=bounded(evidence.user_agent, 512, "user agent"),
        consent_text_version=bounded(evidence.consent_text_version, 32, "consent text version"),
    )


def find(kind: SubscriberKind, address: str) -> Subscriber | None:
    return db.session.scalar(
        select(Subscriber).where(Subscriber.kind == kind, Subscriber.address == address)
    )


def queue_direct(
    subscriber: Subscriber, kind: NotificationKind, now: datetime, details: dict | None = None
) -> bool:
    """Queue a mail to this one subscriber unless its cooldown or cap says no; True if queued."""
    last = subscriber.last_confirmation_at
    if last is not None and now - last < COOLDOWN:
        return False
    if kind == NotificationKind.CONFIRM and subscriber.confirmations_sent >= MAX_CONFIRMATIONS:
        return False
    if subscriber.id is None:
        db.session.flush()
    notifications.queue(kind, subscriber=subscriber, details=details)
    subscriber.last_confirmation_at = now
    if kind == NotificationKind.CONFIRM:
        subscriber.confirmations_sent += 1
    return True


def subscribe(
    address: str | None,
    kind: SubscriberKind | str,
    *,
    evidence: Evidence,
    component_ids: Iterable[int] | None = None,
    group_ids: Iterable[int] | None = None,
    incident_id: int | None = None,
) -> None:
    """Ask for updates; returns nothing, so no caller can tell a known address from a new one.

    Both id lists None means everything (or just `incident_id` when given).
    """
    component_ids = list(component_ids) if component_ids is not None else None
    group_ids = list(group_ids) if group_ids is not None else None
    arguments = (address, kind, evidence, component_ids, group_ids, incident_id)
    try:
        _subscribe(*arguments)
    except Conflict:
        # The same address was added by a request running at the same moment: now it
        # exists, and the second try takes the known-address path.
        _subscribe(*arguments)


@transactional
def _subscribe(address, kind, evidence, component_ids, group_ids, incident_id) -> None:
    kind, stored = checked_address(kind, address)
    evidence = _clean(evidence)
    choice = choices.check(component_ids, group_ids, incident_id)
    subscriber = find(kind, stored)
    if subscriber is not None and subscriber.team:
        return  # the team's own channel: an admin's, not to be managed from the public side
    if subscriber is None:
        if suppressions.is_suppressed(kind, stored):
            return
        subscriber = Subscriber(
            kind=kind,
            address=stored,
            state=SubscriberState.PENDING,
            token_nonce=new_nonce(),
            created_at=evidence.at,
            confirmations_sent=0,
            bounce_count=0,
            paused=False,
        )
        if kind == SubscriberKind.WEBHOOK:
            subscriber.signing_secret = secrets.token_hex(32)
        db.session.add(subscriber)
    if subscriber.state == SubscriberState.QUARANTINED:
        return
    if subscriber.state == SubscriberState.CONFIRMED:
        details = {"incident_id": choice.incident.id} if choice.incident is not None else None
        queue_direct(subscriber, NotificationKind.ALREADY_SUBSCRIBED, evidence.at, details)
        return
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriber.state = SubscriberState.PENDING
        subscriber.unsubscribed_at = None
        subscriber.paused = False
        subscriber.confirmations_sent = 0
    _record_consent(subscriber, evidence, source="form")
    choices.replace(subscriber, choice, keep_incidents=False)
    queue_direct(subscriber, NotificationKind.CONFIRM, evidence.at)


def _record_consent(subscriber: Subscriber, evidence: Evidence, *, source: str) -> None:
    subscriber.source = source
    subscriber.consent_at = evidence.at
    subscriber.consent_ip = evidence.ip
    subscriber.consent_user_agent = evidence.user_agent
    subscriber.consent_text_version = evidence.consent_text_version
    subscriber.updated_at = evidence.at


@transactional
def resend(address: str | None, kind: SubscriberKind | str, *, evidence: Evidence) -> None:
    """Send the confirmation again (or the manage link, if confirmed); the same answer always."""
    kind, stored = checked_address(kind, address)
    evidence = _clean(evidence)
    subscriber = find(kind, stored)
    if subscriber is None or subscriber.team:
        return
    if subscriber.state == SubscriberState.PENDING:
        queue_direct(subscriber, NotificationKind.CONFIRM, evidence.at)
    elif subscriber.state == SubscriberState.CONFIRMED:
        queue_direct(subscriber, NotificationKind.ALREADY_SUBSCRIBED, evidence.at)


@transactional
def confirm(token: str, *, evidence: Evidence) -> Subscriber:
    """Confirm a pending subscriber from its link: works once, within 48 hours.

    The nonce in the link must still be current and is replaced in the same
    statement, so two clicks at the same moment confirm once and refuse once.
    """
    subscriber_id, nonce = subscriber_tokens.read(subscriber_tokens.Purpose.CONFIRM, token)
    evidence = _clean(evidence)
    confirmed = db.session.execute(
        update(Subscriber)
        .where(
            Subscriber.id == subscriber_id,
            Subscriber.token_nonce == nonce,
            Subscriber.state == SubscriberState.PENDING,
        )
        .values(
            state=SubscriberState.CONFIRMED,
            confirmed_at=evidence.at,
            confirm_ip=evidence.ip,
            confirm_user_agent=evidence.user_agent,
            token_nonce=new_nonce(),
            confirmations_sent=0,
            updated_at=evidence.at,
        )
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount != 1:
        raise LinkInvalid(LINK_USED, "token")
    subscriber = db.session.get(Subscriber, subscriber_id, populate_existing=True)
    assert subscriber is not None
    return subscriber


def pending_for_confirmation(token: str) -> Subscriber:
    """The subscriber a confirm link is for, while it can still be used (for the GET page)."""
    subscriber_id, nonce = subscriber_tokens.read(subscriber_tokens.Purpose.CONFIRM, token)
    subscriber = db.session.get(Subscriber, subscriber_id)
    if (
        subscriber is None
        or subscriber.token_nonce != nonce
        or subscriber.state != SubscriberState.PENDING
    ):
        raise LinkInvalid(LINK_USED, "token")
    return subscriber


@transactional
def purge_unconfirmed(now: datetime, older_than: timedelta = UNCONFIRMED_KEPT) -> int:
    """Delete subscribers still unconfirmed `older_than` after their last request; the count."""
    cutoff = now - older_than
    last_asked = func.coalesce(Subscriber.consent_at, Subscriber.created_at)
    result = db.session.execute(
        delete(Subscriber)
        .where(Subscriber.state == SubscriberState.PENDING, last_asked < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
