"""Delivering one notification to a webhook, Slack or Discord subscriber.

`deliver(delivery)` is the whole channel: the delivery loop hands it a ledger
row and gets an `Outcome`; it never retries, sleeps or writes to the database.

- The URL is checked again at every send (`ssrf.resolve`): a host that now
  points at a private address is DEAD with no connection made; one that does not
  resolve at the moment is retried. The POST goes to the address checked.
- Webhooks get Statuspage's JSON (app/delivery/payloads.py), signed: the
  `Herald-Signature` header is `v1=` and the hex HMAC-SHA256, keyed with the
  subscriber's signing secret, of the `Herald-Timestamp` value, a full stop and
  the raw body (README, "Webhooks"). Slack and Discord get their own formats
  (app/delivery/chat.py) and no signature: they have no secret to check it with.
- The answer decides: 2xx SENT; 410 (and a chat webhook's 404: deleted) BOUNCE;
  408, 425, 429, 5xx, timeouts and connection failures RETRY; a redirect (never
  followed) and every other answer DEAD. A 429 or 503 with `Retry-After` (seconds
  or an HTTP date) is tried no earlier than it asks, though never later than
  `DELIVERY_BACKOFF_MAX_SECONDS` (app/delivery/ledger.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from flask import current_app

from app.delivery import chat, outbound, payloads, ssrf
from app.delivery.outcome import Outcome, Result
from app.extensions import db
from app.models import Delivery, Notification, Subscriber, SubscriberKind

TIMEOUT_SECONDS = 10.0  # the whole attempt: connect, TLS, send, wait for the answer
SIGNATURE_HEADER = "Herald-Signature"
TIMESTAMP_HEADER = "Herald-Timestamp"
_RETRY_STATUSES = frozenset({408, 425, 429})
_WAIT_STATUSES = frozenset({429, 503})  # where Retry-After asks us to wait (RFC 9110)
_PREPARED = "herald.webhooks.prepared"  # in db.session.info: gone with the session
_PREPARED_KEPT = 32


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Herald-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def message_id(delivery: Delivery) -> str:
    """The same for every attempt of one delivery, so a receiver can drop repeats."""
    return delivery.message_id or f"{delivery.notification_id}.{delivery.subscriber_id}"


@dataclass(frozen=True)
class Prepared:
    """A notification rendered for all its recipients, less each one's links."""

    event: payloads.Event
    document: dict  # the webhook JSON (payloads.common)
    message: chat.Message | None  # the chat message (None for direct notifications)


def prepare(notification: Notification) -> Prepared:
    """Read and render `notification` once per session: the delivery loop sends a batch of
    rows for one notification in one session, and they all say the same.

    Raises LookupError if what it is about was deleted."""
    cache = db.session.info.setdefault(_PREPARED, {})
    key = (notification.id, notification.kind)
    found = cache.get(key)
    if found is None:
        if len(cache) >= _PREPARED_KEPT:
            cache.clear()
        event = payloads.load(notification)
        message = None if notification.kind.is_direct else chat.message(event)
        found = cache[key] = Prepared(event, payloads.common(event), message)
    return found


def body_for(prepared: Prepared, subscriber: Subscriber) -> bytes:
    """What to POST to this subscriber, in the format its kind expects."""
    if subscriber.kind == SubscriberKind.WEBHOOK:
        document = payloads.webhook(prepared.document, subscriber)
    elif subscriber.kind in (SubscriberKind.SLACK, SubscriberKind.DISCORD):
        if prepared.message is None:
            message = chat.direct(prepared.event, subscriber)
        else:
            message = chat.for_subscriber(prepared.message, subscriber)
        render = chat.slack if subscriber.kind == SubscriberKind.SLACK else chat.discord
        document = render(message)
    else:
        raise ValueError(f"{subscriber.kind} subscribers are not sent to by webhook")
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def headers_for(delivery: Delivery, body: bytes, now: int) -> dict[str, str]:
    subscriber = delivery.subscriber
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Herald-Webhooks (+{current_app.config['SITE_URL']})",
        "Herald-Event": delivery.notification.kind.value,
        "Herald-Delivery": message_id(delivery),
    }
    if subscriber.kind == SubscriberKind.WEBHOOK and subscriber.signing_secret:
        headers[TIMESTAMP_HEADER] = str(now)
        headers[SIGNATURE_HEADER] = sign(subscriber.signing_secret, now, body)
    return headers


def deliver(delivery: Delivery) -> Outcome:
    """Send `delivery` (its notification and subscriber loaded) once; say how it went."""
    config = current_app.config
    subscriber = delivery.subscriber
    try:
        target = ssrf.resolve(
            subscriber.address, allow_loopback=bool(config.get("WEBHOOK_ALLOW_LOOPBACK"))
        )
    except ssrf.Unresolvable as exc:
        return Outcome(Result.RETRY, str(exc))
    except ssrf.UnsafeURL as exc:
        return Outcome(Result.DEAD, f"Not sent: {exc}")
    try:
        prepared = prepare(delivery.notification)
    except LookupError as exc:
        return Outcome(Result.DEAD, f"Not sent: {exc}.")
    body = body_for(prepared, subscriber)
    headers = headers_for(delivery, body, int(time.time()))
    try:
        reply = outbound.post(
            target,
            body,
            headers,
            seconds=float(config.get("WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS)),
            ca_file=config.get("WEBHOOK_CA_FILE"),
        )
    except outbound.SendFailed as exc:
        return Outcome(Result.RETRY, str(exc))
    return judge(reply, subscriber.kind, message_id(delivery))


def judge(reply: outbound.Reply, kind: SubscriberKind, sent_id: str) -> Outcome:
    """What the receiver's status means for this delivery."""
    status = reply.status
    if 200 <= status < 300:
        return Outcome.sent(message_id=sent_id)
    said = _excerpt(reply.excerpt)
    error = f"HTTP {status}" + (f": {said}" if said else "")
    # Slack and Discord answer 404 for a webhook someone deleted: as gone as a 410.
    if status == 410 or (status == 404 and kind != SubscriberKind.WEBHOOK):
        return Outcome(Result.BOUNCE, f"{error} (the endpoint is gone)")
    if status >= 500 or status in _RETRY_STATUSES:
        wait = retry_after(reply.retry_after) if status in _WAIT_STATUSES else None
        if wait is not None:
            error = f"{error} (asked to wait {wait:g} s)"[:500]
        return Outcome(Result.RETRY, error, retry_after=wait)
    if 300 <= status < 400:
        # Only the host: the rest of a Location may hold the other endpoint's secret.
        where = urlsplit(reply.location or "").hostname
        return Outcome(
            Result.DEAD,
            f"HTTP {status}: the endpoint redirects"
            + (f" to {where}" if where else "")
            + ", and redirects are not followed; subscribe the address it redirects to",
        )
    return Outcome(Result.DEAD, error)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for: delay-seconds or an HTTP date; None when
    absent or unreadable (the usual backoff applies)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(int(value[:12]))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, round(when.timestamp() - (time.time() if now is None else now)))


def _excerpt(raw: bytes) -> str:
    """The start of an answer, as printable text, for the delivery history."""
    text = raw[:400].decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()[:200]
