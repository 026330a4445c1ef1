"""Accounts: argon2id passwords, roles, and sessions that end on the server."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User, utcnow
from app.models.user import new_session_token
from app.services import audit, validate
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.tx import locked, locked_all, transactional
from app.text import find_unshowable

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile
# (t=3, m=64 MiB, p=4), above OWASP's minimum.
_PRODUCTION = PasswordHasher()
# The cheapest valid argon2id: a test suite that creates hundreds of users must not
# spend half a second on each hash and each login. Only ever used when TESTING.
_TESTING = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")
MIN_PASSWORD = 12
USER_GONE = "This user no longer exists; they were removed meanwhile."
MAX_PASSWORD = 1024
MAX_EMAIL = 254


def _hasher() -> PasswordHasher:
    """The production hasher, unless the app runs with TESTING."""
    return _TESTING if current_app.config.get("TESTING") else _PRODUCTION


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to verify against when the email is unknown, so that costs the same.

    Computed on first use rather than at import, which would cost every process
    (and every CLI command) a hash it may never need.
    """
    return hasher.hash("herald-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    # The column holds 254 characters (RFC 5321's limit); the pattern alone allows more.
    if len(email) > MAX_EMAIL or not _EMAIL.match(email) or find_unshowable(email) is not None:
        raise Invalid("Enter a valid email address.", "email")
    return email


def check_password_strength(password: str | None) -> str:
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"The password must have at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"The password is too long (at most {MAX_PASSWORD} characters).", "password")
    return password


def any_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def lockout_epoch(email: str) -> str:
    """A value that changes whenever the account's password is set (or its sessions end):
    failed log-ins are counted per account *and* epoch, so a new password starts a fresh
    count in every process and on every host, with or without Redis."""
    token = db.session.scalar(
        select(User.session_token).where(User.email == (email or "").strip().lower())
    )
    return token[:12] if token else ""


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def load_session_user(cookie_id: str) -> User | None:
    """Flask-Login's loader: `id:session_token`; a rotated token ends the session."""
    user_id, _, token = (cookie_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; takes as long either way."""
    user = find_by_email(email)
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(hasher), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


@transactional
def record_login(
    user: User, password: str | None = None, *, second_factor: str | None = None
) -> None:
    """Note a completed log-in; `password` (when the last step had it) upgrades an old hash."""
    user = locked(User, user, missing=USER_GONE)
    user.last_login_at = utcnow()
    if password is not None:
        refresh_password_hash(user, password)
    details = {"second_factor": second_factor} if second_factor else {}
    audit.record(user, "user.login", "user", user.id, **details)


def refresh_password_hash(user: User, password: str) -> None:
    """Re-hash a correct `password` whose hash has weaker settings than the current ones
    (a write transaction only then)."""
    if _hasher().check_needs_rehash(user.password_hash):
        _store_password_hash(user, password)


@transactional
def _store_password_hash(user: User, password: str) -> None:
    user = locked(User, user, missing=USER_GONE)
    user.password_hash = hash_password(password)


@transactional
def end_sessions(user: User, *, actor=None) -> None:
    """Invalidate every login cookie of `user` (logout everywhere)."""
    user = locked(User, user, missing=USER_GONE)
    user.session_token = new_session_token()
    audit.record(actor or user, "user.logout", "user", user.id)


@transactional
def create_user(*, email: str, password: str, role: str = Role.MANAGER, actor=None) -> User:
    email = normalise_email(email)
    password = check_password_strength(password)
    role = validate.choice(Role, role, "role")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Invalid(f"A user with the email {email} already exists.", "email")
    user = User(email=email, password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, email=email, role=role)
    return user


def _locked_for_guard(user: User) -> User:
    """`user`, locked after every active admin is: the last-admin rule counts them, and
    two admins demoting each other at once must not both see the other still there.
    (Always admins first, then the user: one order, so guards queue, never deadlock.)"""
    locked_all(User, User.role == Role.ADMIN, User.active.is_(True))
    return locked(User, user, missing=USER_GONE)


def _guard_last_admin(user: User) -> None:
    """Refuse to remove the last active admin; call on a user from `_locked_for_guard`."""
    if not (user.role == Role.ADMIN and user.active):
        return
    admins = db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
    )
    if (admins or 0) <= 1:
        raise Forbidden("This is the only active admin; make another admin first.")


@transactional
def set_active(user: User, active: bool, *, actor=None) -> User:
    """Enable or disable a user; disabling ends their sessions at once."""
    user = _locked_for_guard(user)
    if not active:
        if actor is not None and getattr(actor, "id", None) == user.id:
            raise Forbidden("You cannot disable your own account.")
        _guard_last_admin(user)
        user.session_token = new_session_token()
    user.active = active
    audit.record(actor, "user.enable" if active else "user.disable", "user", user.id)
    return user


@transactional
def set_role(user: User, role: str, *, actor=None) -> User:
    role = validate.choice(Role, role, "role")
    user = _locked_for_guard(user)
    if role != user.role:
        _guard_last_admin(user)
        user.role = role
        audit.record(actor, "user.role", "user", user.id, role=role)
    return user


@transactional
def set_password(user: User, password: str, *, actor=None) -> User:
    """Set a new password and end the user's other sessions."""
    password = check_password_strength(password)
    user = locked(User, user, missing=USER_GONE)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    audit.record(actor, "user.password", "user", user.id)
    return user


def password_matches(user: User, password: str | None) -> bool:
    try:
        return _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


@transactional
def change_own_password(user: User, current: str | None, new: str | None) -> User:
    """`user` changes their own password, proving it with the current one.

    Ends every other session of theirs (the session token rotates); the caller
    logs the current browser in again on the new token.
    """
    user = locked(User, user, missing=USER_GONE)
    if not password_matches(user, current):
        raise Invalid("The current password is not correct.", "current_password")
    new = check_password_strength(new)
    if new == current:
        raise Invalid("The new password must differ from the current one.", "password")
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    audit.record(user, "user.password", "user", user.id)
    return user


@transactional
def delete_user(user: User, *, actor=None) -> None:
    user = _locked_for_guard(user)
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise Forbidden("You cannot remove your own account.")
    _guard_last_admin(user)
    audit.record(actor, "user.delete", "user", user.id, email=user.email)
    db.session.delete(user)
