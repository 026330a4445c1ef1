"""The pieces of two-factor login: reading codes as typed, checking an authenticator code
once (RFC 6238), and recovery codes kept as keyed hashes. No transactions of their own:
app/services/two_factor.py calls these inside its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from app.extensions import db
from app.models import RecoveryCode, User, utcnow
from app.services import audit
from app.services.errors import Invalid, ServiceError

CODE_DIGITS = 6
# A code of the time step before or after the server's is accepted too: phones drift,
# and a code typed in its last seconds arrives in the next step (RFC 6238, section 5.2).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# Crockford's base32: no i, l, o or u, so a code read aloud or off paper is typed right.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_MISREAD = str.maketrans({"i": "1", "l": "1", "o": "0"})
# Longer than any way of typing a code or a recovery code (spaces and dashes included):
# the forms' limit, so a pasted essay is refused before it is looked at.
MAX_CODE_INPUT = 40
LOW_ON_RECOVERY_CODES = 3

WRONG_CODE = (
    "That code is not right. Type the code your authenticator app shows now; if it is "
    "refused again, check that your phone sets its clock automatically."
)
USED_CODE = "That code was used already. Wait for the next one in your app (a few seconds)."
WRONG_RECOVERY_CODE = "That recovery code is not right, or it was used already."


class Refused(ServiceError):
    """A wrong password or code: 401, and it counts against the log-in limits."""

    status_code = 401


# --- reading input --------------------------------------------------------------------


def compact(value: str | None, field: str) -> str:
    text = re.sub(r"[\s\-]", "", value or "").lower()
    if len(value or "") > MAX_CODE_INPUT:
        raise Invalid(f"That is too long for a code (at most {MAX_CODE_INPUT} characters).", field)
    return text


def parse_code(value: str | None, field: str = "code") -> str:
    """The 6 digits of an authenticator code, spaces and dashes dropped."""
    code = compact(value, field)
    if not code:
        raise Invalid("Enter the 6-digit code from your authenticator app.", field)
    if not (code.isascii() and code.isdigit()) or len(code) != CODE_DIGITS:
        raise Invalid(f"The code is {CODE_DIGITS} digits (0–9), as your app shows it.", field)
    return code


def parse_recovery_code(value: str | None, field: str = "code") -> str:
    """A recovery code as stored: lower case, no dash, misread letters mended."""
    code = compact(value, field).translate(_MISREAD)
    if not code:
        raise Invalid("Enter one of your recovery codes.", field)
    if len(code) != RECOVERY_CODE_LENGTH or any(ch not in _RECOVERY_ALPHABET for ch in code):
        raise Invalid(
            "A recovery code is 10 letters and digits, like 4f7k2-mx9qa (the dash is optional).",
            field,
        )
    return code


# --- TOTP -----------------------------------------------------------------------------


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    # Every candidate is compared, each in constant time: how long the check takes says
    # nothing about which step (if any) matched.
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _consume_step(user_id: int, step: int) -> bool:
    """Record `step` as used unless it (or a later one) already was; True if recorded.

    One conditional UPDATE: of two requests racing with the same code, the database lets
    exactly one change the row, on SQLite and PostgreSQL alike, whatever was read before.
    """
    result = db.session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


def accept_totp(user: User, code: str, now: datetime, field: str) -> None:
    step = matching_step(user.totp_secret or "", code, now)
    if step is None:
        raise Refused(WRONG_CODE, field)
    if not _consume_step(user.id, step):
        raise Refused(USED_CODE, field)


# --- recovery codes -------------------------------------------------------------------


def _code_hash(user_id: int, code: str) -> str:
    """A keyed SHA-256 (HMAC) of a recovery code, bound to its user.

    Not argon2 as for passwords: a slow hash protects guessable secrets, and these are
    50 random bits of our choosing, where online guessing is bounded by the log-in limits.
    What could still go wrong is a leaked database: keyed with SECRET_KEY, which is never
    in the database (nor in a backup of it), its hashes are useless on their own. A fast
    hash also finds the code with one indexed lookup. The price: a new SECRET_KEY voids
    unused recovery codes (the README says so); the authenticator app keeps working.
    """
    key = hashlib.sha256(b"herald recovery codes\0" + _secret_key()).digest()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _secret_key() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def new_recovery_codes(user: User) -> list[str]:
    """Replace `user`'s recovery codes with ten new ones; the codes, as shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_code_hash(user.id, c)) for c in codes
    )
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def spend_recovery_code(user: User, code: str, field: str) -> int:
    """Mark `code` used (one conditional UPDATE, so it works once even in a race);
    how many are left."""
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise Refused(WRONG_RECOVERY_CODE, field)
    left = recovery_codes_left(user)
    audit.record(user, "two_factor.recovery_code_used", "user", user.id, left=left)
    return left
