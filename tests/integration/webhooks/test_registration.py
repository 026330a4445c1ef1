"""Registering a webhook on the subscribe form: unsafe URLs are refused there and then, and
the confirmed page tells the owner how to check what Herald signs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Subscriber
from tests.e2e.helpers import validate_html
from tests.subscriber_fixtures import csrf, link, post_subscribe, subscriber


def _nothing_written() -> bool:
    return all(
        db.session.scalar(select(func.count()).select_from(model)) == 0
        for model in (Subscriber, Notification)
    )


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        ("webhook", "https://100.64.12.1/hook", "private or local address"),  # CGNAT
        ("webhook", "https://[fd12:3456::1]/hook", "private or local address"),  # ULA
        ("webhook", "https://[fe80::1]/hook", "private or local address"),  # link-local
        ("webhook", "https://[::ffff:192.168.1.1]/hook", "private or local address"),  # mapped
        ("webhook", "https://[::ffff:127.0.0.1]/hook", "private or local address"),
        ("webhook", "https://[64:ff9b::7f00:1]/hook", "private or local address"),  # NAT64
        ("webhook", "https://127.0.0.1:8443/hook", "private or local address"),
        ("webhook", "https://0.0.0.0/hook", "private or local address"),
        ("webhook", "http://example.com/hook", "must start with https://"),
        ("webhook", "gopher://93.184.216.34/hook", "must start with https://"),
        ("slack", "https://hooks.slack.com.evil.example/services/T0/B0/X", "Slack"),
        ("slack", "http://hooks.slack.com/services/T0/B0/XYZ", "must start with https://"),
        ("discord", "https://discord.com.evil.example/api/webhooks/1/abc", "Discord"),
        ("discord", "https://discord.com:8443/api/webhooks/1/abc", "Discord"),
    ],
)
def test_an_unsafe_url_is_refused_on_the_form_with_the_reason(client, mail_off, kind, url, message):
    """Is a URL pointing at a private, mapped or CGNAT address, or not https, or not the
    chat service's own, refused with a 400 saying why, with nothing stored or queued?"""
    response = post_subscribe(client, url, kind=kind)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _nothing_written()


def test_the_secret_pages_show_how_to_check_signatures_in_valid_html(client, mail_off):
    """Does the owner learn, once, the secret and the headers to verify each request with,
    on the confirmed page and on the page of a new secret, both valid HTML?"""
    post_subscribe(client, "https://93.184.216.34/hook", kind="webhook")
    hook = subscriber("https://93.184.216.34/hook", "webhook")
    url = f"/subscribe/confirm/{link('confirm', hook)}"
    confirmed = client.post(url, data={"csrf_token": csrf(client, url)}).get_data(as_text=True)
    assert hook.signing_secret in confirmed
    assert "Herald-Signature" in confirmed and "Herald-Timestamp" in confirmed

    manage = (
        f"/subscribe/manage/{link('manage', subscriber('https://93.184.216.34/hook', 'webhook'))}"
    )
    fresh = client.post(manage, data={"csrf_token": csrf(client, manage), "action": "secret"})
    assert fresh.status_code == 200
    new_secret = fresh.get_data(as_text=True)
    assert subscriber("https://93.184.216.34/hook", "webhook").signing_secret in new_secret
    assert "Herald-Signature" in new_secret
    errors = validate_html({"confirmed": confirmed, "new-secret": new_secret})
    assert errors == {"confirmed": [], "new-secret": []}
