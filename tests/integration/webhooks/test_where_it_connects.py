"""Where a webhook POST goes: only to the public address checked at send time, by name."""

from __future__ import annotations

import socket
import time

import pytest

from app.delivery import webhooks
from app.delivery.outcome import Result
from app.models import NotificationKind
from tests.integration.webhooks.rows import add_delivery, add_subscriber
from tests.webhook_receiver import Receiver


def _confirm_delivery(url: str):
    return add_delivery(add_subscriber(url), NotificationKind.CONFIRM)


@pytest.fixture
def loopback_off(app, sending):
    """As in production: 127.0.0.1 is not a place to send to."""
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "[::1]", "127.1"],
)
def test_a_url_pointing_at_this_machine_is_dead_with_no_connection(loopback_off, receiver, host):
    """Stored before the rule changed, or a name that now points home: is it refused at send,
    without even connecting?"""
    outcome = webhooks.deliver(_confirm_delivery(receiver.url(host=host)))
    assert outcome.result == Result.DEAD, outcome
    assert "private or local address" in outcome.error or "https://" in outcome.error
    assert receiver.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/hook",
        "https://192.168.1.1/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_private_link_local_cgnat_ula_and_mapped_addresses_are_dead_at_send(loopback_off, url):
    """Is every private kind of address refused at send, at once (no connection attempt to
    wait for)?"""
    started = time.monotonic()
    outcome = webhooks.deliver(_confirm_delivery(url))
    assert outcome.result == Result.DEAD and "private or local address" in outcome.error
    assert time.monotonic() - started < 0.5


def test_plain_http_is_dead_at_send(loopback_off, plain_receiver):
    """Is an http:// URL refused at send, with no connection made?"""
    outcome = webhooks.deliver(_confirm_delivery(plain_receiver.url()))
    assert outcome.result == Result.DEAD and "https://" in outcome.error
    assert plain_receiver.connections == 0
    outcome = webhooks.deliver(_confirm_delivery("http://93.184.216.34/hook"))
    assert outcome.result == Result.DEAD and "https://" in outcome.error


def test_an_unresolvable_host_is_retried(sending):
    """Is a DNS failure at send time taken as passing (retried), not as a dead endpoint?"""
    outcome = webhooks.deliver(_confirm_delivery("https://no-such-host.invalid/hook"))
    assert outcome.result == Result.RETRY and "could not be resolved" in outcome.error


def test_tls_names_the_host_while_connecting_to_the_checked_address(sending, receiver):
    """Does the receiver see its own name in SNI and Host, and a certificate check for it?"""
    outcome = webhooks.deliver(_confirm_delivery(receiver.url(host="localhost")))
    assert outcome.result == Result.SENT, outcome
    [request] = receiver.requests
    assert request.sni == "localhost"
    assert request.headers["Host"] == f"localhost:{receiver.port}"


def test_a_dns_answer_that_changes_after_the_check_is_never_used(sending, receiver, monkeypatch):
    """DNS rebinding: the name resolves to an allowed address when checked, then to another.
    Does Herald connect to the address it checked, resolving once?"""
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = "127.0.0.1" if len(asked) == 1 else "192.0.2.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    outcome = webhooks.deliver(_confirm_delivery(receiver.url(host="hooks.example.test")))
    assert outcome.result == Result.SENT, outcome
    assert asked == ["hooks.example.test"]
    [request] = receiver.requests
    assert request.sni == "hooks.example.test"
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_an_ipv6_address_is_dialled_and_named_in_brackets(sending, tls):
    """Does a URL with an IPv6 address reach it, with `Host: [addr]:port` and no SNI (a name
    is required there, an address is not one)?"""
    try:
        receiver = Receiver(tls, bind="::1")
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback on this machine: {exc}")
    try:
        outcome = webhooks.deliver(_confirm_delivery(receiver.url()))
        assert outcome.result == Result.SENT, outcome
        [request] = receiver.requests
        assert request.headers["Host"] == f"[::1]:{receiver.port}" and request.sni is None
    finally:
        receiver.close()


def test_a_retried_delivery_keeps_its_id(sending, receiver):
    """Can a receiver tell a retry from a new message (the same `Herald-Delivery`)?"""
    from tests.webhook_receiver import Answer

    delivery = _confirm_delivery(receiver.url())
    receiver.answer = Answer(status=503)
    assert webhooks.deliver(delivery).result == Result.RETRY
    receiver.answer = Answer(status=200)
    assert webhooks.deliver(delivery).result == Result.SENT
    first, second = receiver.requests
    assert first.headers["Herald-Delivery"] == second.headers["Herald-Delivery"]


def test_an_address_that_cannot_be_reached_falls_back_to_the_next_checked_one(
    sending, receiver, monkeypatch
):
    """A name with two (checked) addresses, the first not answering (as an IPv6 address on
    an IPv4-only network): does the POST reach the second, once, still by name?"""
    real = socket.getaddrinfo

    def two_addresses(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),  # nobody there
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    outcome = webhooks.deliver(_confirm_delivery(receiver.url(host="hooks.example.test")))
    assert outcome.result == Result.SENT, outcome
    [request] = receiver.requests
    assert request.sni == "hooks.example.test"


def test_a_name_whose_every_address_is_unreachable_is_retried(sending, monkeypatch):
    """Is a name none of whose addresses accepts a connection retried later, saying why?"""
    real = socket.getaddrinfo

    def nobody(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", nobody)
    outcome = webhooks.deliver(_confirm_delivery("https://hooks.example.test:9/hook"))
    assert outcome.result == Result.RETRY and "could not connect" in outcome.error
