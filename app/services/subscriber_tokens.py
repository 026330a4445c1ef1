"""Signed links in subscriber mail: confirm, manage, unsubscribe.

Each purpose has its own salt, so a token made for one can never be used for
another, and every check has a `max_age`. A token carries the subscriber's id
and `token_nonce`; rotating the nonce (on confirmation, on unsubscribe) makes
every earlier link of that kind stop working, which is how a confirm link
works once.
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.services.errors import LinkInvalid


class Purpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"
    UNSUBSCRIBE = "unsubscribe"


MAX_AGE = {
    Purpose.CONFIRM: 48 * 3600,
    # Manage and unsubscribe links sit in old mail; they stay good for a year.
    Purpose.MANAGE: 365 * 24 * 3600,
    Purpose.UNSUBSCRIBE: 365 * 24 * 3600,
}
_EXPIRED = {
    Purpose.CONFIRM: "This confirmation link has expired (links last 48 hours). "
    "Subscribe again to get a new one.",
    Purpose.MANAGE: "This link has expired. Use the link in a recent update, or subscribe again.",
    Purpose.UNSUBSCRIBE: "This link has expired. Use the link in a recent update.",
}


NOT_WHOLE = "This link is not valid. Check that it was copied whole."


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"herald.subscriber.{purpose.value}"
    )


def make(purpose: Purpose, subscriber_id: int, nonce: str) -> str:
    return _serializer(purpose).dumps([subscriber_id, nonce])


def maker(purpose: Purpose):
    """`make` for many subscribers at once (the mailer): the key is derived only once."""
    serializer = _serializer(purpose)
    return lambda subscriber_id, nonce: serializer.dumps([subscriber_id, nonce])


def read(purpose: Purpose, token: str) -> tuple[int, str]:
    """(subscriber id, nonce) from a token, or Invalid with a message for the person."""
    if not token or len(token) > 512:
        raise LinkInvalid(NOT_WHOLE, "token")
    try:
        value = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as exc:
        raise LinkInvalid(_EXPIRED[purpose], "token") from exc
    except BadSignature as exc:
        raise LinkInvalid(NOT_WHOLE, "token") from exc
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        raise LinkInvalid(NOT_WHOLE, "token")
    return value[0], value[1]
