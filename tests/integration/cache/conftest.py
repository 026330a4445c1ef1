"""Fixtures of the cache tests: counting renders, and a Redis key prefix of their own."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from flask import template_rendered

from tests.conftest import unavailable

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@contextmanager
def counting_renders(app):
    """Yields the list of template names rendered meanwhile (one per cache miss)."""
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        yield rendered


@pytest.fixture
def redis_prefix():
    """A key prefix of our own on Redis database 14, deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    prefix = f"herald-bounds-{uuid.uuid4().hex[:8]}:"
    yield client, prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
