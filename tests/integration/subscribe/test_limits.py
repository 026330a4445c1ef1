"""Rate limits on subscribing: nobody can use Herald to flood an address or the outbox."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests.conftest import unavailable
from tests.subscriber_fixtures import SMTP_URL, post_subscribe

REDIS_URL = "redis://127.0.0.1:6379/14"


def _site(other_app, **limits):
    return other_app(
        RATELIMIT_ENABLED=True,
        SMTP_URL=SMTP_URL,
        SUBSCRIBE_LIMIT_IP=limits.get("ip", "100 per hour"),
        SUBSCRIBE_LIMIT_ADDRESS=limits.get("address", "100 per hour"),
        **limits.get("extra", {}),
    )


def _client(site, ip: str):
    """A visitor from `ip`."""
    client = site.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_one_address_can_be_asked_for_only_so_often(other_app):
    """Asking for the same address from many networks, is the fourth request refused with a
    429 page that says why and when to retry — while other addresses still work?"""
    site = _site(other_app, address="3 per hour")
    statuses = []
    with site.app_context():
        for n in range(4):
            response = post_subscribe(_client(site, f"198.51.100.{n}"), "Victim@Example.com")
            statuses.append(response.status_code)
        assert statuses == [303, 303, 303, 429]
        html = response.get_data(as_text=True)
        assert "Too many subscription requests" in html
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Cache-Control"] == "no-store"
        # The same address in other letters is the same address.
        assert (
            post_subscribe(_client(site, "198.51.100.9"), "victim@example.COM").status_code == 429
        )
        assert post_subscribe(_client(site, "198.51.100.9"), "other@example.com").status_code == 303


def test_one_network_can_ask_only_so_often(other_app):
    """From one IP, are many different addresses refused after the limit, while another
    network is unaffected and the status page itself is never limited?"""
    site = _site(other_app, ip="3 per hour")
    with site.app_context():
        attacker = _client(site, "203.0.113.66")
        statuses = [post_subscribe(attacker, f"user{n}@example.com").status_code for n in range(4)]
        assert statuses == [303, 303, 303, 429]
        assert attacker.get("/").status_code == 200
        assert attacker.get("/subscribe").status_code == 200  # reading the form is free
        assert post_subscribe(_client(site, "203.0.113.67"), "x@example.com").status_code == 303


def test_resend_shares_the_subscribe_budget(other_app):
    """Can "send it again" be used to get around the subscribe limit?"""
    site = _site(other_app, address="2 per hour")
    with site.app_context():
        visitor = _client(site, "198.51.100.1")
        assert post_subscribe(visitor, "ada@example.com").status_code == 303
        page = visitor.get("/subscribe/sent").get_data(as_text=True)
        from tests.conftest import csrf_token_from

        data = {"csrf_token": csrf_token_from(page), "kind": "email", "address": "ada@example.com"}
        assert visitor.post("/subscribe/resend", data=data).status_code == 303
        assert visitor.post("/subscribe/resend", data=data).status_code == 429


@pytest.fixture
def redis_limits():
    """Limits kept in Redis (as with REDIS_URL), under a key prefix of this test's own."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"herald-test-{uuid.uuid4().hex[:8]}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(f"*{prefix}*", count=100):
        client.delete(key)
    client.close()


def test_limits_hold_across_hosts_with_redis(other_app, redis_limits):
    """With Redis, do two web hosts share one count, so spreading requests over hosts does
    not get around the limit?"""
    first = _site(other_app, address="2 per hour", extra=redis_limits)
    second = _site(other_app, address="2 per hour", extra=redis_limits)
    with first.app_context():
        assert post_subscribe(_client(first, "198.51.100.1"), "ada@example.com").status_code == 303
    with second.app_context():
        assert post_subscribe(_client(second, "198.51.100.2"), "ada@example.com").status_code == 303
    with first.app_context():
        assert post_subscribe(_client(first, "198.51.100.3"), "ada@example.com").status_code == 429
