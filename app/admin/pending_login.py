"""Between the password step and the code step of a log-in: who passed the password, in
the session cookie, signed and good for five minutes.

This is not a logged-in session: Flask-Login knows nothing of it, so the guard lets the
holder reach only the code pages. It names the user's session token as it was, so an
admin resetting their password or two-factor (which rotates the token) ends it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.models import User
from app.services import users

PENDING_SECONDS = 5 * 60
_KEY = "two_factor_pending"
_SALT = "herald.two-factor-pending"

EXPIRED = (
    "More than five minutes passed since you entered your password, so that log-in "
    "expired. Enter your email and password again."
)
NOT_STARTED = "Enter your email and password first."
ENDED = "This log-in was ended meanwhile (your account was changed). Log in again."


@dataclass(frozen=True)
class PendingLogin:
    user: User
    next_url: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def start_pending_login(user: User, next_url: str) -> None:
    """Remember that `user` passed the password step; nothing else carries over."""
    session.clear()
    session[_KEY] = _serializer().dumps(
        {"user": user.id, "token": user.session_token, "next": next_url}
    )


def end_pending_login() -> None:
    session.pop(_KEY, None)


def pending_login() -> PendingLogin | None:
    """The log-in waiting for its second step, or None (see `pending_problem` for why)."""
    if "pending_login" not in g:
        g.pending_login, g.pending_problem = _read()
    return g.pending_login


def pending_problem() -> str:
    """Why there is no pending log-in, in words for the person logging in."""
    pending_login()
    return g.pending_problem


def _read() -> tuple[PendingLogin | None, str]:
    raw = session.get(_KEY)
    if not isinstance(raw, str):
        return None, NOT_STARTED
    try:
        data = _serializer().loads(raw, max_age=PENDING_SECONDS)
    except SignatureExpired:
        return None, EXPIRED
    except BadSignature:
        return None, NOT_STARTED
    user = users.load_session_user(f"{data.get('user')}:{data.get('token')}")
    if user is None or not user.two_factor_enabled:
        return None, ENDED
    return PendingLogin(user, str(data.get("next") or "")), ""
