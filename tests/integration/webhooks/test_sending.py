"""Sending to a webhook: what the receiver's answer means, and what Herald refuses to do."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from app.delivery import webhooks
from app.delivery.outcome import Result
from app.models import NotificationKind, SubscriberKind
from app.services import incidents
from tests.integration.webhooks.rows import SECRET, add_delivery, add_subscriber
from tests.webhook_receiver import Answer


def _incident_delivery(url: str, kind: SubscriberKind = SubscriberKind.WEBHOOK):
    incident = incidents.open_incident(
        name="Database slow", impact="minor", message="We are looking into it."
    )
    subscriber = add_subscriber(url, kind)
    return add_delivery(
        subscriber,
        NotificationKind.INCIDENT_OPENED,
        incident_id=incident.id,
        update_id=incident.updates[0].id,
    )


def test_a_webhook_that_answers_2xx_is_sent_once_signed(sending, receiver):
    """Does a receiver get one signed POST of JSON, and is the delivery marked sent?"""
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    assert outcome.result == Result.SENT, outcome
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Herald-Event"] == "incident.opened"
    assert request.headers["Herald-Delivery"] == outcome.message_id
    stamp = request.headers["Herald-Timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    expected = hmac.new(
        SECRET.encode(), stamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(request.headers["Herald-Signature"], f"v1={expected}")
    assert json.loads(request.body)["incident"]["name"] == "Database slow"


def test_the_signature_does_not_verify_with_another_secret_or_body(sending, receiver):
    """Would a receiver checking the signature notice a forged body or the wrong secret?"""
    webhooks.deliver(_incident_delivery(receiver.url()))
    [request] = receiver.requests
    stamp, signature = request.headers["Herald-Timestamp"], request.headers["Herald-Signature"]
    assert webhooks.sign(SECRET, int(stamp), request.body) == signature
    assert webhooks.sign("0" * 64, int(stamp), request.body) != signature
    assert webhooks.sign(SECRET, int(stamp), request.body + b" ") != signature
    assert webhooks.sign(SECRET, int(stamp) + 1, request.body) != signature


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (200, Result.SENT),
        (204, Result.SENT),
        (500, Result.RETRY),
        (503, Result.RETRY),
        (429, Result.RETRY),
        (408, Result.RETRY),
        (400, Result.DEAD),
        (401, Result.DEAD),
        (404, Result.DEAD),
        (410, Result.BOUNCE),
    ],
)
def test_the_receivers_status_decides_the_outcome(sending, receiver, status, result):
    """Is a 5xx or 429 retried, a 4xx given up, a 410 taken as "this endpoint is gone"?"""
    receiver.answer = Answer(status=status, body=b"" if status == 204 else b"nope")
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    assert outcome.result == result, outcome
    if result != Result.SENT:
        assert f"HTTP {status}" in outcome.error and "nope" in outcome.error
        assert receiver.url() not in outcome.error


def test_a_redirect_is_not_followed(sending, receiver):
    """Can a receiver bounce Herald onward to another address (a private one) by redirect?"""
    receiver.answer = Answer(status=307, headers={"Location": "https://127.0.0.1:1/admin?k=s3"})
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    assert outcome.result == Result.DEAD and "redirects are not followed" in outcome.error
    assert "to 127.0.0.1" in outcome.error and "s3" not in outcome.error
    assert len(receiver.requests) == 1 and receiver.connections == 1


def test_a_hanging_receiver_is_retried_after_the_timeout(sending, receiver):
    """Does a receiver that never answers hold the worker only for the timeout, then retry?"""
    receiver.answer = Answer(hang=True)
    started = time.monotonic()
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    waited = time.monotonic() - started
    assert outcome.result == Result.RETRY and "1.5 seconds" in outcome.error
    assert 1.4 < waited < 8, waited  # generous: a loaded machine is slow to hand over


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_deadline(sending, receiver):
    """Can a receiver that sends one byte at a time (each within the read timeout) hold the
    worker for longer than the timeout?"""
    receiver.answer = Answer(trickle=True)
    started = time.monotonic()
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    waited = time.monotonic() - started
    assert outcome.result == Result.RETRY and "1.5 seconds" in outcome.error
    assert 1.4 < waited < 8, waited


def test_an_endless_answer_is_not_read(sending, receiver):
    """Does a receiver answering with a 256 MiB body cost Herald only its first bytes?"""
    receiver.answer = Answer(endless=True)
    started = time.monotonic()
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    assert outcome.result == Result.SENT
    assert time.monotonic() - started < 2
    assert receiver.body_done.wait(5), "the receiver was still writing: Herald kept reading"
    assert receiver.body_bytes_sent < 32 * 1024 * 1024


def test_an_untrusted_certificate_is_retried_not_sent(app, sending, receiver):
    """Is a receiver whose certificate does not verify never sent the body?"""
    app.config["WEBHOOK_CA_FILE"] = None  # the system's trust store: not our test CA
    outcome = webhooks.deliver(_incident_delivery(receiver.url()))
    assert outcome.result == Result.RETRY and "CERTIFICATE" in outcome.error.upper()
    assert receiver.requests == []


def test_nothing_listening_is_retried(sending, receiver):
    """Is a refused connection a temporary failure?"""
    url = receiver.url()
    receiver.close()
    outcome = webhooks.deliver(_incident_delivery(url))
    assert outcome.result == Result.RETRY and "refused" in outcome.error


def _readme_verify():
    """The `verify` function the README gives receivers, as written there."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    [code] = [block for block in readme.split("```python\n")[1:] if "def verify(" in block]
    namespace: dict = {}
    exec(code.split("```", 1)[0], namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readmes_verification_code_accepts_herald_and_nothing_else(sending, receiver):
    """Does a receiver that copies the README's check accept Herald's requests, and refuse a
    changed body, another secret and an old timestamp?"""
    verify = _readme_verify()
    webhooks.deliver(_incident_delivery(receiver.url()))
    [request] = receiver.requests
    assert verify(SECRET, request.headers, request.body)
    assert not verify(SECRET, request.headers, request.body.replace(b"Database", b"Databaze"))
    assert not verify("0" * 64, request.headers, request.body)
    old = {**request.headers, "Herald-Timestamp": str(int(time.time()) - 3600)}
    old["Herald-Signature"] = webhooks.sign(SECRET, int(old["Herald-Timestamp"]), request.body)
    assert not verify(SECRET, old, request.body)
