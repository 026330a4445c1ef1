"""Subscribers and delivery-ledger rows as the admin pages find them (service and page tests).

The subscribers come through the real subscribe and confirm services; the
deliveries are written directly, in the states the worker leaves them in.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Delivery, DeliveryState, Notification, NotificationKind, Subscriber
from app.services import subscriptions
from tests.subscriber_fixtures import at, evidence, link, subscriber

HOOK = "https://93.184.216.34/ada-hook"


def signed_up(address: str, kind: str = "email", confirm: bool = True, **choice) -> Subscriber:
    """A subscriber who used the form (and the confirm link, unless `confirm` is False)."""
    subscriptions.subscribe(address, kind, evidence=evidence(0), **choice)
    if confirm:
        subscriptions.confirm(link("confirm", subscriber(address, kind)), evidence=evidence(1))
    return subscriber(address, kind)


def notification(kind: NotificationKind = NotificationKind.INCIDENT_OPENED, **fields):
    made = Notification(kind=kind, **fields)
    db.session.add(made)
    db.session.commit()
    return made


def delivery(
    who: Subscriber,
    state: DeliveryState,
    error: str | None = None,
    of: Notification | None = None,
    attempts: int = 8,
) -> Delivery:
    """A ledger row for `who` (of a new notification unless `of` is given)."""
    of = of or notification()
    row = Delivery(
        notification_id=of.id,
        subscriber_id=who.id,
        state=state,
        attempts=attempts,
        next_attempt_at=at(0),
        last_error=error,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def people(app, mail_on):
    """Ada (confirmed email), Bob (pending email) and a confirmed webhook."""
    ada = signed_up("ada@example.com")
    bob = signed_up("bob@example.org", confirm=False)
    hook = signed_up(HOOK, "webhook")
    return ada, bob, hook
