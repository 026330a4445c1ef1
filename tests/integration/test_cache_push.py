"""Scale-out freshness: hosts that share only PostgreSQL (and maybe Redis) are told of changes.

Each "host" here is an app with its own host board file, as two machines have
their own disks: what one learns reaches the other only through Redis pub/sub
or PostgreSQL LISTEN/NOTIFY (or the re-check).
"""

from __future__ import annotations

import statistics
import time

import pytest

from app.cache import state
from app.cache.board import HostBoard, Record
from app.cache.push import PushedClock
from tests.conftest import REDIS_TEST_URL
from tests.integration.test_cache import _component_status, _set_status

FRESH_WITHIN = 0.25  # the bound for a change on host A to show on host B


def _host(other_app, tmp_path, name: str, **config):
    return other_app(
        CACHE_VERSION_CHECK="auto", CACHE_BOARD_FILE=str(tmp_path / f"{name}.board"), **config
    )


def _hosts(request, other_app, tmp_path, database_url):
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        config = {"REDIS_URL": REDIS_TEST_URL, "CACHE_KEY_PREFIX": prefix}
    else:
        # On SQLite there is only one host (the database is a file on it): its processes
        # share the token file beside the database, so the same bound holds there too.
        config = {}
    return _host(other_app, tmp_path, "a", **config), _host(other_app, tmp_path, "b", **config)


@pytest.fixture(params=["redis", "listen"])
def two_hosts(request, other_app, tmp_path, database_url):
    return _hosts(request, other_app, tmp_path, database_url)


def _seconds_until(client, status: str, limit: float = 5.0) -> float:
    started = time.monotonic()
    while _component_status(client) != status:
        assert time.monotonic() - started < limit, f"never showed {status}"
        time.sleep(0.005)
    return time.monotonic() - started


def test_a_change_on_host_a_shows_on_host_b_within_a_quarter_second(two_hosts, make_component):
    """Told by Redis pub/sub or LISTEN/NOTIFY, does host B (which asks nobody per request)
    show each of several changes made through host A within 250 ms?"""
    host_a, host_b = two_hosts
    pushed = isinstance(state(host_b).clock, PushedClock)
    assert pushed == (
        host_b.config.get("REDIS_URL") is not None
        or "postgresql" in str(host_b.config["SQLALCHEMY_DATABASE_URI"])
    )
    component = make_component("API")
    reader = host_b.test_client()
    _seconds_until(reader, "operational")
    waits = []
    for status in ["major_outage", "partial_outage", "operational"] * 2:
        _set_status(host_a, component.id, status)
        waits.append(_seconds_until(reader, status))
    assert statistics.median(waits) < FRESH_WITHIN, waits
    assert max(waits) < 1.0, waits  # the worst case is bench/scaleout.py's to report


def _redis_host(other_app, tmp_path, redis_prefix, **config):
    return _host(
        other_app, tmp_path, "a", REDIS_URL=REDIS_TEST_URL, CACHE_KEY_PREFIX=redis_prefix, **config
    )


def test_without_a_notice_the_recheck_catches_up(other_app, tmp_path, redis_prefix, make_component):
    """A change that sends no notice (a hand edit of the database, a lost message) shows on
    the next re-check, here set to half a second."""
    host = _redis_host(other_app, tmp_path, redis_prefix, CACHE_RECHECK_SECONDS=0.5)
    component = make_component("API")
    client = host.test_client()
    assert _component_status(client) == "operational"
    writer = other_app()  # no Redis: it publishes nothing this host listens to
    _set_status(writer, component.id, "major_outage")
    assert _seconds_until(client, "major_outage", limit=3) < 1.6


def test_a_host_never_serves_an_older_version_after_a_newer_one(tmp_path):
    """Offered generations from concurrent reads in any order, does the board only go forward,
    yet follow the database back after a restore?"""
    board = HostBoard(str(tmp_path / "host.board"))
    assert board.offer("5-a", read_at=1_000).generation == "5-a"
    assert board.offer("7-b", read_at=900).generation == "7-b"  # a newer read finishing late
    assert board.offer("6-c", read_at=1_500).generation == "7-b"  # an older read finishing late
    assert board.offer("7-b", read_at=2_000).read_at == 2_000  # the re-check refreshes it
    restored = 2_000 + 2_000_000_000
    assert board.offer("3-d", read_at=restored).generation == "3-d"  # the database went back
    board.mark_stale()
    assert Record.parse(board.read()) == Record("3-d", 0)


def test_a_board_nobody_feeds_is_not_trusted(other_app, tmp_path, redis_prefix, make_component):
    """With the watchers stopped, does a request read the database itself (and so stay
    fresh) rather than serve the board's last word for ever?"""
    host = _redis_host(other_app, tmp_path, redis_prefix, CACHE_RECHECK_SECONDS=0.2)
    component = make_component("API")
    client = host.test_client()
    assert _component_status(client) == "operational"
    state(host).watcher.stop(wait=2)
    board = HostBoard(str(tmp_path / "a.board"))
    stale = Record.parse(board.read())
    writer = other_app()
    _set_status(writer, component.id, "major_outage")
    time.sleep(0.7)  # three re-check periods: the board is no longer vouched for
    assert _component_status(client) == "major_outage"
    assert Record.parse(board.read()).version > stale.version
