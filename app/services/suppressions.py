"""The suppression list: who must not be written to, why, and lifting that.

Suppressed are addresses an admin removed (app/models/suppression.py keeps their hash,
not the address) and subscribers quarantined for hard bounces (kept as they are, so
they can be shown and reinstated). A sign-up or an import of a suppressed address
creates nothing and queues nothing; the public answer stays the one every address gets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Subscriber,
    SubscriberKind,
    SubscriberState,
    Suppression,
    SuppressionReason,
)
from app.services import audit, subscriber_address
from app.services.errors import Invalid, NotFound
from app.services.paging import Page, paged
from app.services.tx import locked, transactional

REASONS = tuple(SuppressionReason)
_CHUNK = 500
GONE = "That address is no longer suppressed."


def fingerprint(kind: SubscriberKind, address: str) -> str:
    """SHA-256 of the kind and the address as stored (already normalised): the same
    address always gives the same hash, and the hash does not give the address back."""
    return hashlib.sha256(f"{kind.value}:{address}".encode()).hexdigest()


def parse_reason(value) -> SuppressionReason:
    try:
        reason = SuppressionReason(value)
    except ValueError:
        reason = None
    if reason not in REASONS:
        raise Invalid("Choose why the subscriber is removed.", "reason")
    return reason


def is_suppressed(kind: SubscriberKind, address: str) -> bool:
    found = db.session.scalar(
        select(Suppression.id).where(Suppression.address_hash == fingerprint(kind, address))
    )
    return found is not None


def suppressed_among(pairs: Iterable[tuple[SubscriberKind, str]]) -> set[tuple]:
    """Which of these (kind, address) pairs are on the list; a query per 500."""
    by_hash = {fingerprint(kind, address): (kind, address) for kind, address in pairs}
    hashes, found = list(by_hash), set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        hits = db.session.scalars(
            select(Suppression.address_hash).where(Suppression.address_hash.in_(chunk))
        )
        found.update(by_hash[h] for h in hits)
    return found


def suppress(subscriber: Subscriber, reason: SuppressionReason, now: datetime) -> None:
    """Put this subscriber's address on the list, in the caller's transaction."""
    digest = fingerprint(subscriber.kind, subscriber.address)
    if db.session.scalar(select(Suppression.id).where(Suppression.address_hash == digest)):
        return
    db.session.add(
        Suppression(kind=subscriber.kind, address_hash=digest, reason=reason, created_at=now)
    )


def listing(*, page: int = 1, per_page: int = 50) -> Page:
    """Suppressed addresses, newest first."""
    return paged(
        select(Suppression).order_by(Suppression.id.desc()),
        select(func.count(Suppression.id)),
        page,
        per_page,
    )


def quarantined(limit: int = 50) -> tuple[list[Subscriber], int]:
    """The newest quarantined subscribers (up to `limit`) and how many there are."""
    where = Subscriber.state == SubscriberState.QUARANTINED
    total = db.session.scalar(select(func.count(Subscriber.id)).where(where)) or 0
    rows = db.session.scalars(
        select(Subscriber).where(where).order_by(Subscriber.updated_at.desc()).limit(limit)
    )
    return list(rows), total


def look_up(address: str | None) -> Suppression | None:
    """The suppression of this email address, if any (an admin checking one address).

    Email only: checking a webhook URL would resolve its host, a lookup an admin's
    question should not cause."""
    digest = fingerprint(SubscriberKind.EMAIL, subscriber_address.email(address))
    return db.session.scalar(select(Suppression).where(Suppression.address_hash == digest))


def get_suppression(suppression_id: int) -> Suppression:
    found = db.session.get(Suppression, suppression_id)
    if found is None:
        raise NotFound(GONE)
    return found


@transactional
def lift(suppression: Suppression | int, *, actor=None) -> None:
    """Take an address off the list: it may be signed up (and confirm) again."""
    row = locked(Suppression, suppression, missing=GONE)
    audit.record(
        actor,
        "subscriber.unsuppress",
        "suppression",
        row.id,
        kind=row.kind.value,
        reason=row.reason.value,
    )
    db.session.delete(row)
