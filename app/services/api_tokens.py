"""API tokens: create (the secret shown once), revoke, authenticate, record use.

A token's secret is 32 random bytes; the database keeps only its SHA-256, found by an
indexed lookup and then compared in constant time, so a copy of the database (a
backup, an export) holds nothing that authenticates. The management API, and later
the alerting endpoints, authenticate through `authenticate` alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import ApiToken, Role, utcnow
from app.services import audit, validate
from app.services.errors import Invalid, NotFound
from app.services.tx import locked, transactional

PREFIX = "hrld_"
MAX_NAME = 100
# One write per token per minute at most: a busy script must not turn every read into
# a write transaction (and on SQLite, into a wait for the one writer).
LAST_USED_EVERY = timedelta(minutes=1)
NO_LONGER_EXISTS = "This API token no longer exists."


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX)


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such API token.")
    return token


def parse_role(value) -> Role:
    return validate.choice(Role, value, "role")


@transactional
def create_token(
    *,
    name: str,
    role: str,
    expires_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is never stored nor shown again."""
    now = now or utcnow()
    name = validate.text(name, "name", max_len=MAX_NAME)
    role = parse_role(role)
    if expires_at is not None:
        expires_at = validate.aware(expires_at, "expiry")
        if expires_at <= now:
            raise Invalid("The expiry must be in the future.", "expires_at")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role,
        token_hash=digest(secret),
        prefix=secret[: len(PREFIX) + 6],
        created_at=now,
        created_by_id=getattr(actor, "id", None),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.create",
        "api_token",
        token.id,
        name=name,
        role=role,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return token, secret


@transactional
def revoke_token(token: ApiToken, *, actor=None, now: datetime | None = None) -> ApiToken:
    """Refuse the token from now on; revoking twice changes nothing."""
    token = locked(ApiToken, token, missing=NO_LONGER_EXISTS)
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        audit.record(actor, "token.revoke", "api_token", token.id, name=token.name)
    return token


def authenticate(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token whose secret this is, or None: unknown, revoked and expired alike."""
    now = now or utcnow()
    wanted = digest(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted))
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        return None
    return token if token.usable_at(now) else None


def record_use(token: ApiToken, now: datetime | None = None) -> None:
    """Note that `token` was used, at most once per LAST_USED_EVERY (its own commit)."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    _record_use(token.id, now)


@transactional
def _record_use(token_id: int, now: datetime) -> None:
    # One conditional UPDATE: two requests at once write once, neither waits to read.
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
