"""What may be given as an address: strict emails; webhook, Slack and Discord URLs that are
safe to send to."""

from __future__ import annotations

import pytest

from app.models import SubscriberKind
from app.services import subscriptions
from app.services.errors import Invalid
from tests.subscriber_fixtures import evidence, queued, subscriber

BAD_EMAILS = [
    ("", "required"),
    ("   ", "required"),
    ("ada", "exactly one @"),
    ("ada@@example.com", "exactly one @"),
    ("ada@example@com", "exactly one @"),
    ("ada@localhost", "with a dot"),
    ("ada@example.", "with a dot"),
    ("ada@-example.com", "with a dot"),
    ("@example.com", "before the @"),
    ("ada.@example.com", "before the @"),
    ("a..da@example.com", "before the @"),
    ('"ada"@example.com', "before the @"),
    ("ada <ada@example.com>", "spaces"),
    ("ada@example.com\r\nBcc: victim@example.org", "one line"),
    ("ada@example.com\nBcc: victim@example.org", "one line"),
    ("ada@example.com,victim", "after the @"),
    ("ada@example.com>", "after the @"),
    ("ada@exa mple.com", "spaces"),
    ("ada@example.com\t", None),  # stripped: fine
    ("a" * 65 + "@example.com", "before the @"),
    ("ada@" + "a" * 250 + ".com", "too long"),
    ("ada@example.c0m", "known form"),
    ("adä@example.com", "before the @"),
]


@pytest.mark.parametrize(("address", "why"), BAD_EMAILS)
def test_bad_email_addresses_are_refused_with_a_reason(app, mail_on, address, why):
    """Is every malformed, overlong or header-injecting address refused, saying why, with
    nothing written?"""
    if why is None:
        subscriptions.subscribe(address, "email", evidence=evidence())
        assert subscriber(address.strip().lower()) is not None
        return
    with pytest.raises(Invalid, match=why):
        subscriptions.subscribe(address, "email", evidence=evidence())
    assert queued() == []


def test_an_address_of_254_characters_is_accepted(app, mail_on):
    """Is the longest valid address (254 characters) accepted, and stored lower-cased?"""
    address = "Ada@" + ("a" * 60 + ".") * 3 + "b" * (254 - 4 - 183 - 4) + ".COM"
    assert len(address) == 254
    subscriptions.subscribe(address, "email", evidence=evidence())
    assert subscriber(address.lower()) is not None


PRIVATE_WEBHOOKS = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hook",
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", PRIVATE_WEBHOOKS)
def test_webhooks_to_private_or_local_addresses_are_refused(app, url):
    """Can a webhook be pointed at this machine or a private network (SSRF)?"""
    with pytest.raises(Invalid, match="private or local|could not be resolved"):
        subscriptions.subscribe(url, "webhook", evidence=evidence())
    assert subscriber(url, "webhook") is None and queued() == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hook", "https://"),
        ("ftp://93.184.216.34/hook", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://user:pw@93.184.216.34/hook", "credentials"),
        ("https://no-such-host.invalid/hook", "could not be resolved"),
        ("https://93.184.216.34/ho ok", "spaces"),
        ("https://93.184.216.34/hook\r\nX-Evil: 1", "one line"),
        ("https://93.184.216.34/" + "a" * 2100, "too long"),
    ],
)
def test_webhook_urls_must_be_https_and_well_formed(app, url, why):
    """Is a plain-http, odd-scheme, credentialed, unresolvable or overlong URL refused?"""
    with pytest.raises(Invalid, match=why):
        subscriptions.subscribe(url, "webhook", evidence=evidence())
    assert queued() == []


def test_a_public_webhook_gets_a_signing_secret_and_a_confirmation(app, mail_off):
    """Does a webhook on a public address register (even with mail off), with its own secret
    and a confirmation sent to the endpoint itself?"""
    subscriptions.subscribe("https://93.184.216.34/status-hook", "webhook", evidence=evidence())
    hook = subscriber("https://93.184.216.34/status-hook", "webhook")
    assert hook.kind == SubscriberKind.WEBHOOK
    assert len(hook.signing_secret) == 64
    assert [n.subscriber_id for n in queued()] == [hook.id]


def test_loopback_webhooks_need_the_test_only_setting(app, loopback_webhooks):
    """With the test-only setting, may a webhook point at 127.0.0.1 (for a local receiver)?"""
    subscriptions.subscribe("http://127.0.0.1:8765/hook", "webhook", evidence=evidence())
    assert subscriber("http://127.0.0.1:8765/hook", "webhook") is not None


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("slack", "https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
        ("discord", "https://discord.com/api/webhooks/123456789/abc_DEF-ghi"),
        ("discord", "https://discordapp.com/api/webhooks/123456789/abcdef"),
    ],
)
def test_slack_and_discord_webhook_urls_are_accepted(app, kind, url):
    """Are real Slack and Discord incoming-webhook URLs accepted, with no signing secret?"""
    subscriptions.subscribe(url, kind, evidence=evidence())
    chat = subscriber(url, kind)
    assert chat is not None and chat.signing_secret is None


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("slack", "https://hooks.slack.com.evil.example/services/T/B/X"),
        ("slack", "https://evil.example/services/T000/B000/XXXX"),
        ("slack", "https://hooks.slack.com/api/whatever"),
        ("slack", "http://hooks.slack.com/services/T000/B000/XXXX"),
        ("slack", "https://hooks.slack.com:8443/services/T000/B000/XXXX"),
        ("discord", "https://discord.com/api/webhooks/abc/def"),
        ("discord", "https://discord.evil.example/api/webhooks/1/abc"),
        ("discord", "https://127.0.0.1/api/webhooks/1/abc"),
    ],
)
def test_slack_and_discord_accept_only_their_own_webhook_urls(app, kind, url):
    """Can a "Slack" or "Discord" subscriber point anywhere but Slack's or Discord's hooks?"""
    with pytest.raises(Invalid):
        subscriptions.subscribe(url, kind, evidence=evidence())
    assert queued() == []


def test_an_unknown_kind_is_refused(app, mail_on):
    """Is a made-up kind of subscription refused with the list of real ones?"""
    with pytest.raises(Invalid, match="email, webhook, slack, discord"):
        subscriptions.subscribe("ada@example.com", "pigeon", evidence=evidence())
