"""Can anonymous visitors make the render cache, Redis or the fast path grow without bound?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import request_started

from app.cache import state, version
from app.services import backfill
from app.services.backfill import PastUpdate
from tests.integration.cache.conftest import REDIS_TEST_URL, counting_renders
from tests.integration.test_cache_fast_path import fast_path


def ran_flask(app, send):
    calls = []
    with request_started.connected_to(lambda sender, **extra: calls.append(1), app):
        response = send()
    return response, bool(calls)


def _incidents(count: int) -> list[int]:
    """Past incidents (a page each, none on the status page itself)."""
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        backfill.backfill_incident(
            name=f"Outage {n}",
            impact="minor",
            updates=[
                PastUpdate("investigating", "We are looking into it. " * 20, when),
                PastUpdate("resolved", "Fixed.", when + timedelta(minutes=30)),
            ],
        ).id
        for n in range(count)
    ]


def test_the_store_keeps_to_its_byte_budget_dropping_the_least_recently_used(other_app):
    """With a small HERALD_CACHE_MAX_BYTES, do many distinct pages stay within it, every
    encoding counted, while the page read all along and the latest one stay cached?"""
    budget = 60_000
    site = other_app(CACHE_MAX_BYTES=budget)
    ids = _incidents(30)
    client = site.test_client()
    store = state(site).store
    for incident_id in ids:
        for encoding in ("gzip", "br", "identity"):
            client.get(f"/incidents/{incident_id}", headers={"Accept-Encoding": encoding})
        client.get("/")
        assert 0 < store.bytes <= budget
    assert len(store) < len(ids)
    with counting_renders(site) as rendered:
        client.get("/")
        client.get(f"/incidents/{ids[-1]}")
    assert rendered == []
    with counting_renders(site) as rendered:
        assert client.get(f"/incidents/{ids[0]}").status_code == 200
    assert rendered == ["public/incident.html"]


def test_an_entry_larger_than_the_budget_is_served_but_not_kept(other_app):
    """Is a page larger than the whole budget still served, just rendered each time?"""
    site = other_app(CACHE_MAX_BYTES=1_000)
    client = site.test_client()
    first = client.get("/")
    assert first.status_code == 200 and len(first.get_data()) > 1_000
    with counting_renders(site) as rendered:
        assert client.get("/").get_data() == first.get_data()
    assert "public/index.html" in rendered
    assert state(site).store.bytes == 0


def test_redis_keeps_entries_for_a_bounded_time_and_skips_large_ones(other_app, redis_prefix):
    """With REDIS_URL, does each render expire from Redis after the configured time, and is
    a render above the size cap kept out of Redis (yet served)?"""
    redis, prefix = redis_prefix
    site = other_app(
        REDIS_URL=REDIS_TEST_URL,
        CACHE_KEY_PREFIX=prefix,
        CACHE_REDIS_TTL=120,
        CACHE_REDIS_MAX_ENTRY_BYTES=4_000,
    )
    client = site.test_client()
    assert client.get("/badge.svg").status_code == 200
    assert client.get("/").status_code == 200
    stored = sorted(key.decode() for key in redis.scan_iter(match=prefix + "*render*"))
    assert stored == [prefix + "render:/badge.svg?"]
    assert 0 < redis.ttl(stored[0]) <= 120


def test_every_hostile_variant_of_a_badge_lands_in_redis_under_few_keys(other_app, redis_prefix):
    """Do cache busters and label spellings (`?label=%20x`, `?label=x&_=1`) share Redis keys?"""
    redis, prefix = redis_prefix
    site = other_app(REDIS_URL=REDIS_TEST_URL, CACHE_KEY_PREFIX=prefix)
    client = site.test_client()
    for n in range(30):
        client.get(f"/badge.svg?_={n}")
        client.get(f"/badge.svg?label=%20up%20&utm={n}")
    stored = sorted(key.decode() for key in redis.scan_iter(match=prefix + "*render*"))
    assert stored == [prefix + "render:/badge.svg?", prefix + "render:/badge.svg?label=up"]


def test_made_up_hosts_cannot_grow_the_fast_path_without_bound(app, monkeypatch):
    """Do requests under thousands of made-up Host names keep the fast path's memory bounded,
    the most recent places still answered in front of Flask, sharing one shape?"""
    fast = fast_path(app)
    fast.forget()
    monkeypatch.setattr(fast, "max_places", 8)
    # Hold the five-minute clock bucket: one crossed mid-test is a new generation, with a
    # shape of its own, which says nothing about made-up hosts.
    monkeypatch.setattr(version, "clock_bucket", lambda now=None: 1000)
    client = app.test_client()
    for n in range(40):
        for _ in range(2):
            client.get("/badge.svg", headers={"Host": f"h{n}.example"})
    assert len(fast.places) == 8
    _, by_flask = ran_flask(app, lambda: client.get("/badge.svg", headers={"Host": "h39.example"}))
    assert not by_flask
    shapes = {id(shape) for place in fast.places.values() for shape in place.shapes.values()}
    assert len(shapes) == 1


@pytest.mark.parametrize("count", [3])
def test_the_least_recently_used_place_is_the_one_forgotten(app, monkeypatch, count):
    """When the fast path is full, does the place read all along survive a stream of new ones?"""
    fast = fast_path(app)
    fast.forget()
    monkeypatch.setattr(fast, "max_places", count)
    client = app.test_client()
    for n in range(10):
        client.get("/")
        client.get("/badge.svg", headers={"Host": f"h{n}.example"})
    _, by_flask = ran_flask(app, lambda: client.get("/"))
    assert not by_flask
