"""Incident managers and administrators."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import Role
from app.models.types import UTCDateTime, enum_column, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, 16), default=Role.MANAGER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login cookie: rotating it ends every session of this user
    # on the server, so a copied cookie stops working after logout.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor login (app/services/two_factor.py). The TOTP secret in base32, or None
    # when two-factor is off; a second one while the user enrols a (new) authenticator
    # app, so the one in use keeps working until the new one is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    # The last 30-second time step whose code was accepted: a code is refused unless its
    # step is later, so a code seen over a shoulder or in a proxy log cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class RecoveryCode(db.Model):
    """One of a user's single-use two-factor recovery codes: only its hash is kept."""

    __tablename__ = "recovery_code"
    __table_args__ = (Index("ix_recovery_code_user_hash", "user_id", "code_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
