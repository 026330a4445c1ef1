"""Two-factor login: TOTP (RFC 6238) from an authenticator app, single-use recovery codes,
re-authentication to change either, and an admin's switch requiring it of everybody.

Knows nothing of requests: the log-in and account pages (app/admin/two_factor*.py) decide
when to ask; these functions decide what is right. Audit events never hold a secret or a
code, only what happened. The pieces (reading codes, checking them once, recovery code
hashes) are in app/services/two_factor_codes.py.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
from sqlalchemy import delete

from app.extensions import db
from app.models import PageSettings, RecoveryCode, User, utcnow
from app.models.user import new_session_token
from app.services import audit, users
from app.services.errors import Forbidden, Invalid
from app.services.page import SETTINGS_ID, get_settings
from app.services.two_factor_codes import (
    LOW_ON_RECOVERY_CODES,
    MAX_CODE_INPUT,
    Refused,
    accept_totp,
    compact,
    matching_step,
    new_recovery_codes,
    parse_code,
    parse_recovery_code,
    recovery_codes_left,
    spend_recovery_code,
)
from app.services.tx import locked, transactional

__all__ = ["LOW_ON_RECOVERY_CODES", "MAX_CODE_INPUT", "Refused", "recovery_codes_left"]

WRONG_PASSWORD = "The password is not correct."  # noqa: S105 (a message, not a password)
REQUIRED_FOR_ALL = (
    "An admin requires two-factor login for everybody, so it cannot be turned off. "
    "To use another phone or app, set it up again instead."
)


# --- enrolment -----------------------------------------------------------------------


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address the QR code holds: the app names the account after the page."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=get_settings().name)


def recovery_codes_text(user: User, codes: list[str], *, site_url: str) -> str:
    """The recovery codes as a text file to keep: whose they are, where, and how they work."""
    lines = [
        f"Recovery codes for {user.email} on {get_settings().name} ({site_url})",
        f"Made {utcnow():%Y-%m-%d %H:%M} UTC. Each works once; new ones replace all of these.",
        "",
        *(f"{n:2}. {code}" for n, code in enumerate(codes, start=1)),
        "",
    ]
    return "\n".join(lines)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- logging in -------------------------------------------------------------------------


@transactional
def log_in_with_code(user: User, code: str | None, *, now: datetime | None = None) -> User:
    """The second step of a log-in with an authenticator code; Refused when wrong or used."""
    code = parse_code(code)
    user = locked(User, user, missing=users.USER_GONE)
    _require_enabled(user)
    accept_totp(user, code, now or utcnow(), "code")
    users.record_login(user, second_factor="authenticator app")
    return user


@transactional
def log_in_with_recovery_code(user: User, code: str | None) -> int:
    """The second step with a recovery code instead (spent); how many are left."""
    code = parse_recovery_code(code)
    user = locked(User, user, missing=users.USER_GONE)
    _require_enabled(user)
    left = spend_recovery_code(user, code, "code")
    users.record_login(user, second_factor="recovery code")
    return left


def _require_enabled(user: User) -> None:
    if not user.two_factor_enabled:
        # An admin reset it between the two steps: the password step must be done again.
        raise Invalid("Two-factor login was turned off for this account meanwhile; log in again.")


# --- re-authentication, enrolment, changes ------------------------------------------------


def _reauthenticate(user: User, password: str | None, code: str | None, now: datetime) -> None:
    """The password, and when two-factor is on, a current code or a recovery code (spent).

    Asked before any change to the second factor, so a session left open on a shared
    computer (or stolen) cannot swap the owner's phone for the thief's.
    """
    factor = _current_factor(user, code)
    if not users.password_matches(user, password):
        raise Refused(WRONG_PASSWORD, "password")
    if factor is None:
        return
    kind, typed = factor
    if kind == "totp":
        accept_totp(user, typed, now, "current_code")
    else:
        spend_recovery_code(user, typed, "current_code")


def _current_factor(user: User, code: str | None) -> tuple[str, str] | None:
    """What was typed as the current second factor, read (not yet checked): an
    authenticator code is all digits, anything else may be a recovery code."""
    if not user.two_factor_enabled:
        return None
    typed = compact(code, "current_code")
    if not typed:
        raise Invalid(
            "Enter the code from your authenticator app, or a recovery code.", "current_code"
        )
    if typed.isascii() and typed.isdigit():
        return "totp", parse_code(code, "current_code")
    return "recovery", parse_recovery_code(code, "current_code")


@transactional
def pending_secret(user: User) -> str:
    """The secret being enrolled, made on first use and kept until it is confirmed, so a
    reload (or a second tab) shows the same QR code the app has already scanned."""
    user = locked(User, user, missing=users.USER_GONE)
    if user.totp_pending_secret is None:
        user.totp_pending_secret = pyotp.random_base32()
    return user.totp_pending_secret


@transactional
def confirm_enrolment(
    user: User,
    *,
    code: str | None,
    password: str | None,
    current_code: str | None = None,
    now: datetime | None = None,
) -> list[str] | None:
    """Turn two-factor on with the pending secret (or move it to a new app), proven by a
    code from the app. Returns the new recovery codes to show once; None when moving, as
    the recovery codes stay. Every session of the user ends: the caller starts a new one."""
    now = now or utcnow()
    code = parse_code(code)
    user = locked(User, user, missing=users.USER_GONE)
    pending = user.totp_pending_secret
    if pending is None:
        raise Invalid("This set-up was finished or cancelled meanwhile; start it again.")
    _reauthenticate(user, password, current_code, now)
    step = matching_step(pending, code, now)
    if step is None:
        raise Invalid(
            "That code does not match the QR code on this page. Scan it again (or type the "
            "key), then enter the code the app shows.",
            "code",
        )
    moving = user.two_factor_enabled
    user.totp_secret, user.totp_pending_secret = pending, None
    # The code that proved the enrolment is spent: it cannot log in as well.
    user.totp_last_step = step
    user.totp_enabled_at = now
    user.session_token = new_session_token()
    audit.record(
        user, "two_factor.enable", "user", user.id, **({"new_app": True} if moving else {})
    )
    return None if moving else new_recovery_codes(user)


@transactional
def disable(
    user: User, *, password: str | None, code: str | None, now: datetime | None = None
) -> User:
    """Turn two-factor off, after re-authentication; every session of the user ends."""
    user = locked(User, user, missing=users.USER_GONE)
    if get_settings().require_two_factor:
        raise Forbidden(REQUIRED_FOR_ALL)
    _reauthenticate(user, password, code, now or utcnow())
    _switch_off(user)
    audit.record(user, "two_factor.disable", "user", user.id)
    return user


@transactional
def regenerate_recovery_codes(
    user: User, *, password: str | None, code: str | None, now: datetime | None = None
) -> list[str]:
    """Ten new recovery codes, after re-authentication; the old ones stop working."""
    user = locked(User, user, missing=users.USER_GONE)
    if not user.two_factor_enabled:
        raise Invalid("Two-factor login is off: there are no recovery codes to replace.")
    _reauthenticate(user, password, code, now or utcnow())
    audit.record(user, "two_factor.recovery_codes_replaced", "user", user.id)
    return new_recovery_codes(user)


@transactional
def reset(user: User, *, actor: User | str) -> User:
    """An admin (or the operator, with `flask reset-two-factor`) turns off another user's
    two-factor login: a lost phone and lost recovery codes. Their sessions end; logging in
    next asks for the password only, or, when it is required, sends them to set it up."""
    if isinstance(actor, User) and actor.id == user.id:
        raise Forbidden("Change your own two-factor login on My account.")
    user = locked(User, user, missing=users.USER_GONE)
    if not user.two_factor_enabled and user.totp_pending_secret is None:
        raise Invalid(f"{user.email} has no two-factor login to reset.")
    _switch_off(user)
    audit.record(actor, "two_factor.reset", "user", user.id, email=user.email)
    return user


def _switch_off(user: User) -> None:
    user.totp_secret = user.totp_pending_secret = None
    user.totp_last_step = user.totp_enabled_at = None
    user.session_token = new_session_token()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- the requirement ----------------------------------------------------------------------


def is_required() -> bool:
    return bool(get_settings().require_two_factor)


@transactional
def set_required(required: bool, *, actor=None) -> bool:
    """Require two-factor login of everybody (or stop requiring it)."""
    settings = locked(PageSettings, SETTINGS_ID, missing="The page settings are missing.")
    if settings.require_two_factor != bool(required):
        settings.require_two_factor = bool(required)
        audit.record(actor, "two_factor.required", "page", SETTINGS_ID, required=bool(required))
    return settings.require_two_factor


def users_without(listed: list[User]) -> list[User]:
    """Of `listed`, the active users who have not set two-factor up."""
    return [u for u in listed if u.active and not u.two_factor_enabled]
