"""Bad input on the subscribe pages: a clear 4xx page with the reason, never a 500, never a
half-written subscription."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Subscriber, SubscriptionTarget
from app.services import subscriptions
from tests.subscriber_fixtures import csrf, every_box, evidence, link, post_subscribe, subscriber


def _nothing_written() -> bool:
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Subscriber, SubscriptionTarget, Notification)
    ]
    return counts == [0, 0, 0]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "required"),
        ("a" * 300 + "@example.com", "too long"),
        ("ada@example.com\r\nBcc: victim@example.org", "one line"),
        ("ada%0d%0aBcc:victim@example.org", "before the @"),
        ("ada@example.com, victim@example.org", "spaces"),
        ("Ada <ada@example.com>", "spaces"),
        ("ada", "exactly one @"),
    ],
)
def test_bad_email_addresses_get_a_400_with_the_reason(
    client, mail_on, catalogue, address, message
):
    """Does every bad or header-injecting address get a 400 page saying why, writing nothing?"""
    response = post_subscribe(client, address, **every_box(catalogue))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _nothing_written()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.0.0.8/hook", "private or local address"),
        ("https://localhost/hook", "private or local address"),
        ("https://169.254.169.254/latest", "private or local address"),
        ("http://93.184.216.34/hook", "must start with https://"),
        ("file:///etc/passwd", "must start with https://"),
    ],
)
def test_unsafe_webhook_urls_get_a_400_with_the_reason(client, mail_off, url, message):
    """Is a webhook pointing at a private address or over a non-https scheme refused, saying
    why?"""
    response = post_subscribe(client, url, kind="webhook")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _nothing_written()


def test_forged_component_choices_get_a_400(client, mail_on, catalogue):
    """Is a form naming a component that does not exist, or a non-number, refused?"""
    for component in (["99999"], ["abc"], ["-1"], ["1" * 20], [str(catalogue.api_id)] * 1001):
        response = post_subscribe(client, "ada@example.com", component=component)
        assert response.status_code == 400, component[:1]
    response = post_subscribe(client, "ada@example.com", group=["424242"])
    assert response.status_code == 400
    assert "no longer exists" in response.get_data(as_text=True)
    assert _nothing_written()


def test_an_unknown_kind_gets_a_400(client, mail_on):
    """Is a made-up kind of subscription refused on the form and in the link?"""
    data = {"csrf_token": csrf(client), "kind": "pigeon", "address": "ada@example.com"}
    response = client.post("/subscribe", data=data)
    assert response.status_code == 400
    assert "Choose email, webhook, Slack or Discord" in response.get_data(as_text=True)
    assert client.get("/subscribe?kind=pigeon").status_code == 400
    assert _nothing_written()


@pytest.fixture
def spent_links(app, mail_on):
    """A used confirm link, a manage and an unsubscribe link made before it was used."""
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    pending = subscriber("ada@example.com")
    old = {p: link(p, pending) for p in ("confirm", "manage", "unsubscribe")}
    subscriptions.confirm(old["confirm"], evidence=evidence(1))
    return old


def test_forged_used_and_outdated_links_get_a_400_with_the_reason(client, spent_links):
    """Do tampered, truncated, cross-purpose, used and outdated links each get a 400 page with
    a reason — on GET and POST — and leave the subscription as it was?"""
    fresh_manage = link("manage", subscriber("ada@example.com"))
    cases = [
        (f"/subscribe/confirm/{spent_links['confirm']}", "already been used"),
        (f"/subscribe/manage/{spent_links['manage']}", "no longer works"),
        (f"/unsubscribe/{spent_links['unsubscribe']}", "no longer works"),
        (f"/subscribe/confirm/{fresh_manage}", "not valid"),
        (f"/unsubscribe/{fresh_manage}", "not valid"),
        (f"/subscribe/manage/{fresh_manage[:-3]}", "not valid"),
        ("/subscribe/manage/x", "not valid"),
        ("/unsubscribe/" + "A" * 600, "not valid"),
    ]
    token = csrf(client, f"/subscribe/manage/{fresh_manage}")
    for path, message in cases:
        for method in ("GET", "POST"):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 400, (method, path[:40])
            assert message in response.get_data(as_text=True), (method, path[:40])
    ada = subscriber("ada@example.com")
    assert ada.state == "confirmed" and not ada.paused


def test_a_nul_byte_anywhere_is_a_400(client, mail_on):
    """Is a NUL byte in the address or a link refused before it reaches the database?"""
    assert post_subscribe(client, "ada\x00@example.com").status_code == 400
    assert client.get("/subscribe/manage/ab%00cd").status_code == 400
    assert _nothing_written()
