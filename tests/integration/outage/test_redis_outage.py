"""With REDIS_URL set, does Herald keep working when Redis goes away, and use it again after?"""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from app.extensions import db, limiter
from app.services import components
from tests.conftest import PASSWORD, csrf_token_from

RETRY = 1.1  # Redis is left alone for a second after a failure


@pytest.fixture
def site(other_app, redis_server):
    """Herald with its cache, page version and login limits all in the private Redis server."""
    app = other_app(
        REDIS_URL=redis_server.url,
        RATELIMIT_STORAGE_URI=redis_server.url,
        RATELIMIT_ENABLED=True,
        LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_FAILURES_PER_IP="50 per 15 minutes",
        CACHE_VERSION_CHECK="auto",
        CACHE_KEY_PREFIX=f"outage-{uuid.uuid4().hex[:6]}:",
    )
    limiter.reset()
    yield app
    # The limiter is one object for every app; leave it as the other tests expect it.
    limiter.enabled = False


def _login(app, email: str, password: str = PASSWORD) -> int:
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code


def _limit_keys(redis_server) -> list[bytes]:
    client = redis_server.client()
    try:
        return list(client.scan_iter(match="LIMITS*"))
    finally:
        client.close()


def test_logins_work_while_redis_is_down_and_are_still_throttled(
    site, redis_server, make_user, caplog
):
    """With Redis killed, can a manager log in (not a 500), are failed attempts still
    throttled (in this process), is that logged once, and do the limits go back to Redis
    once it answers again?"""
    user = make_user("manager@example.com")
    assert _login(site, user.email) == 302
    redis_server.stop()
    caplog.set_level(logging.WARNING)
    assert _login(site, user.email) == 302
    statuses = [_login(site, "victim@example.com", "wrong password") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert site.test_client().get("/").status_code == 200
    fallbacks = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
    assert len(fallbacks) == 1
    redis_server.start()
    deadline = time.monotonic() + 30
    while not _limit_keys(redis_server):
        assert time.monotonic() < deadline, "the login limits never went back to Redis"
        assert _login(site, f"other-{time.monotonic_ns()}@example.com", "wrong") in (401, 429)
        time.sleep(0.5)
    assert _login(site, user.email) == 302


def test_pages_stay_fresh_while_redis_is_down_and_use_it_again_after(
    site, redis_server, make_component, caplog
):
    """With Redis killed, are pages served, and a change shown at once (this host's board
    marked stale, the version read from the database), with one warning per part; once Redis
    is back, are change notices and rendered pages going through it again?"""
    component = make_component("API")
    client = site.test_client()
    assert client.get("/api/v2/summary.json").get_json()["components"][0]["status"] == "operational"
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="herald")
    _set_status(site, component.id, "major_outage")
    for _ in range(5):
        summary = client.get("/api/v2/summary.json")
        assert summary.status_code == 200
        assert summary.get_json()["components"][0]["status"] == "major_outage"
        assert client.get("/").status_code == 200
        time.sleep(0.25)
    outages = [r.getMessage() for r in caplog.records if r.name == "herald.outage"]
    # One warning per part that uses Redis: the change notices, the render cache and the
    # delivery queue (the change above queued a notification).
    assert len(outages) == 3, outages
    for part in ("change notices", "render cache", "delivery queue"):
        assert any(part in m for m in outages), (part, outages)
    redis_server.start()
    time.sleep(RETRY)
    _set_status(site, component.id, "degraded_performance")
    summary = client.get("/api/v2/summary.json")
    assert summary.get_json()["components"][0]["status"] == "degraded_performance"
    redis = redis_server.client()
    try:
        prefix = site.config["CACHE_KEY_PREFIX"]
        channel = prefix + "version-changed"
        deadline = time.monotonic() + 10
        while dict(redis.pubsub_numsub(channel))[channel.encode()] == 0:
            assert time.monotonic() < deadline, "the watcher never subscribed again"
            time.sleep(0.1)
        assert redis.exists(prefix + "render:/api/v2/summary.json")
    finally:
        redis.close()
    recovered = [r.getMessage() for r in caplog.records if "available again" in r.getMessage()]
    assert len(recovered) == 3, recovered


def _set_status(app, component_id: int, status: str) -> None:
    with app.app_context():
        components.set_status(components.get_component(component_id), status, actor="test")
        db.session.remove()
    db.session.expire_all()
