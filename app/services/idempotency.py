"""`Idempotency-Key`: a retried POST replays the first answer instead of writing again.

The key is reserved (a row, committed) before the request runs and the answer is
stored once it has one, so a retry sent while the first request still runs is told
so (409), and a retry afterwards gets the same answer for KEPT_FOR. Keys belong to
one token: two clients cannot collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import IdempotentRequest, utcnow
from app.services.tx import transactional

KEPT_FOR = timedelta(hours=24)
MAX_KEY = 255


@dataclass(frozen=True)
class Stored:
    """What an earlier request with the same key was, and answered (None: still running)."""

    fingerprint: str
    status_code: int | None
    response_body: str | None


@transactional
def reserve(token_id: int, key: str, fingerprint: str, now: datetime | None = None):
    """None when the key is now reserved for this request; else what the key holds.

    Two requests reserving one key at once: the second's insert fails and it gets
    Conflict (409) from the transaction, as for a request still running.
    """
    now = now or utcnow()
    db.session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEPT_FOR)
    )
    found = db.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
        )
    )
    if found is not None:
        return Stored(found.fingerprint, found.status_code, found.response_body)
    db.session.add(
        IdempotentRequest(token_id=token_id, key=key, fingerprint=fingerprint, created_at=now)
    )
    return None


@transactional
def finish(token_id: int, key: str, status_code: int, body: str) -> None:
    db.session.execute(
        update(IdempotentRequest)
        .where(IdempotentRequest.token_id == token_id, IdempotentRequest.key == key)
        .values(status_code=status_code, response_body=body)
    )


@transactional
def release(token_id: int, key: str) -> None:
    """Forget a reservation whose request failed without an answer worth replaying."""
    db.session.execute(
        delete(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
        )
    )
