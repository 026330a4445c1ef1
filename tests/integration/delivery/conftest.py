"""A real SMTP sink, mail pointed at it, and quick retries, for the delivery tests."""

from __future__ import annotations

import pytest

from app.delivery import send
from app.extensions import db
from app.models import Subscriber, SubscriberKind, SubscriberState, SubscriptionTarget, utcnow
from app.services import subscriptions
from tests.smtp_sink import SmtpSink
from tests.subscriber_fixtures import catalogue  # noqa: F401

QUICK = {
    "DELIVERY_BACKOFF_SECONDS": 0.01,
    "DELIVERY_BACKOFF_MAX_SECONDS": 0.05,
    "DELIVERY_MAX_ATTEMPTS": 4,
    "SMTP_TIMEOUT_SECONDS": 3,
}


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def mail(app, sink):
    """Mail on, to the sink, with retries a few milliseconds apart; settings restored after."""
    changed = {"SMTP_URL": sink.url, "MAIL_FROM": "Status <status@example.com>", **QUICK}
    before = {key: app.config.get(key) for key in changed}
    app.config.update(changed)
    yield sink
    app.config.update(before)


def confirmed(address: str, *, components=None, groups=None, incident=None, paused=False):
    """A confirmed email subscriber (everything, or only the targets given)."""
    subscriber = Subscriber(
        kind=SubscriberKind.EMAIL,
        address=address,
        state=SubscriberState.CONFIRMED,
        paused=paused,
        all_components=components is None and groups is None and incident is None,
        token_nonce=subscriptions.new_nonce(),
        confirmations_sent=0,
        bounce_count=0,
        confirmed_at=utcnow(),
    )
    for cid in components or []:
        subscriber.targets.append(SubscriptionTarget(component_id=cid))
    for gid in groups or []:
        subscriber.targets.append(SubscriptionTarget(group_id=gid))
    if incident is not None:
        subscriber.targets.append(SubscriptionTarget(incident_id=incident))
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def deliver(app) -> int:
    """One delivery pass, as the worker runs it."""
    return send.run_pass(app, "test-worker")
