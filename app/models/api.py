"""Management API credentials and the idempotency ledger of its writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import Role
from app.models.types import UTCDateTime, enum_column, utcnow


class ApiToken(db.Model):
    """A bearer token for /api/v1. Only the SHA-256 of the secret is stored: the secret
    is shown once, when the token is created, and cannot be read back."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role, 16), default=Role.MANAGER)
    # Hex SHA-256 of the whole secret: a random 256-bit secret needs no salt or slow hash.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The secret's first characters, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    @property
    def label(self) -> str:
        """How the audit log names this token as an actor."""
        return f"API token “{self.name}” ({self.prefix}…)"


class IdempotentRequest(db.Model):
    """A POST sent with an `Idempotency-Key`: reserved before it runs, its answer kept
    afterwards, so a retry replays the answer instead of writing again."""

    __tablename__ = "idempotent_request"
    __table_args__ = (
        UniqueConstraint("token_id", "key", name="uq_idempotent_request_token_key"),
        Index("ix_idempotent_request_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Null while the first request still runs.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
