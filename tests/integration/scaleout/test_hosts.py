"""Two Herald web hosts and two workers on one PostgreSQL and one Redis, really.

The short version of bench/scaleout.py, run in CI: a spike on both hosts while
a manager changes a component through host A's API; host A killed mid-spike;
Redis stopped and started again. Each host is its own gunicorn master with
its own /tmp (see tests/cluster.py), so what host B knows of a change reached
it through Redis pub/sub or the re-check, never through a shared file.
"""

from __future__ import annotations

import itertools
import shutil
import signal
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade

from app.extensions import db
from app.services import api_tokens, components, users
from tests.cluster import Host, Worker, version_of, wait_for
from tests.conftest import PASSWORD, make_app, unavailable
from tests.integration.delivery.conftest import confirmed
from tests.integration.outage.conftest import RedisServer, free_port
from tests.live import throwaway_postgres
from tests.smtp_sink import SmtpSink

STATUSES = ["major_outage", "partial_outage", "degraded_performance", "operational"]
FRESH = 0.25  # the bound on a change on host A showing on host B
RECHECK = 2.0  # CACHE_RECHECK_SECONDS: the bound while Redis is down
CHANNEL = "herald:version-changed"


@dataclass
class Site:
    url: str
    token: str
    code: str
    email: str


@pytest.fixture(scope="module")
def site():
    """A throwaway, migrated PostgreSQL database with a component, a manager and a token."""
    with throwaway_postgres("herald_hosts") as (_, _, url):
        app = make_app(url)
        with app.app_context():
            upgrade()
            component = components.create_component(name="API", status="operational", actor="test")
            users.create_user(email="manager@example.com", password=PASSWORD)
            _, secret = api_tokens.create_token(name="monitoring", role="manager")
            db.session.commit()
            found = Site(url, secret, component.code, "manager@example.com")
            db.session.remove()
            db.engine.dispose()
        yield found


@pytest.fixture(scope="module")
def cluster(site, tmp_path_factory):
    """Redis of our own, an SMTP sink, hosts A and B, two workers (host A is killed last)."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (the test stops and starts its own Redis)")
    tmp_path = tmp_path_factory.mktemp("cluster")
    redis = RedisServer(free_port())
    redis.start()
    sink = SmtpSink().start()
    env = {
        "DATABASE_URL": site.url,
        "REDIS_URL": redis.url,
        "SMTP_URL": sink.url,
        "HERALD_CACHE_RECHECK_SECONDS": str(RECHECK),
        # A killed worker's claims expire soon, and the sweep re-enqueues them soon.
        "HERALD_DELIVERY_LEASE_SECONDS": "2",
        "HERALD_DELIVERY_SWEEP_SECONDS": "1",
    }
    hosts = [Host(name, env, tmp_path) for name in ("a", "b")]
    workers = [Worker(f"worker-{n}", env, tmp_path) for n in (1, 2)]
    yield Cluster(redis, hosts, workers, sink)
    for part in [*workers, *hosts]:
        part.stop()
    sink.stop()
    redis.stop()


@dataclass
class Cluster:
    redis: RedisServer
    hosts: list[Host]
    workers: list[Worker]
    mail: SmtpSink


class Spike:
    """Threads requesting `/` and the summary from hosts until stopped; every answer kept."""

    def __init__(self, hosts: list[Host], threads: int = 6):
        self.hosts = hosts
        self.answers: list[tuple[str, float, float, int, int]] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(threads)
        self._futures = [self._pool.submit(self._run, n) for n in range(threads)]

    def _run(self, n: int) -> None:
        for turn in itertools.count(n):
            if self._stop.is_set() or turn > n + 20_000:  # bounded, whatever happens
                return
            host = self.hosts[turn % len(self.hosts)]
            path = ("/", "/api/v2/summary.json")[turn % 2]
            started = time.monotonic()
            try:
                status, headers, _ = host.get(path)
            except OSError:
                status, headers = 0, {}
            self.answers.append(
                (host.name, started, time.monotonic(), status, version_of(headers.get("ETag", "")))
            )

    def stop(self) -> list[tuple[str, float, float, int, int]]:
        self._stop.set()
        for future in self._futures:
            future.result(timeout=30)
        self._pool.shutdown()
        return self.answers


def _never_older(answers, host: str) -> None:
    """No answer from `host` carries a version older than one it finished serving before
    that request was sent."""
    mine = sorted((a for a in answers if a[0] == host and a[3] == 200), key=lambda a: a[2])
    served, newest = [], -1
    for _, started, finished, _, version in sorted(mine, key=lambda a: a[1]):
        while served and served[0][0] <= started:
            newest = max(newest, served.pop(0)[1])
        assert version >= newest, f"host {host} served version {version} after {newest}"
        served.append((finished, version))
        served.sort()


def _change(site: Site, host: Host, status: str) -> None:
    path = f"/api/v1/components/{site.code}"
    assert host.api("PATCH", path, site.token, {"component": {"status": status}}) == 200


def test_under_a_spike_changes_on_host_a_are_fresh_on_host_b(site, cluster):
    """While both hosts answer a spike, is every answer a 200, does each of ten changes made
    through host A's API show on host B within 250 ms (median) and never go backwards?"""
    host_a, host_b = cluster.hosts
    spike = Spike([host_a, host_b])
    waits = []
    for status in STATUSES * 3:
        _change(site, host_a, status)
        waits.append(wait_for(lambda s=status: host_b.component_status(site.code) == s, 5))
    answers = spike.stop()
    assert answers and {a[3] for a in answers} == {200}
    for host in ("a", "b"):
        _never_older(answers, host)
    assert statistics.median(waits) < FRESH, waits
    # The worst case is the bench's to report: this machine may be shared with other work.
    assert max(waits) < 1.0, waits


def test_without_redis_both_hosts_serve_log_in_and_catch_up(site, cluster):
    """With Redis stopped, do both hosts keep serving, let a manager log in, and show a
    change within the re-check period; once Redis is back, are changes pushed again?"""
    redis, (host_a, host_b) = cluster.redis, cluster.hosts
    _change(site, host_a, "operational")
    wait_for(lambda: host_b.component_status(site.code) == "operational", 5)
    redis.stop()
    for host in (host_a, host_b):
        assert host.get("/")[0] == 200
        assert host.log_in(site.email, PASSWORD) == 302
    _change(site, host_a, "partial_outage")
    assert wait_for(lambda: host_b.component_status(site.code) == "partial_outage", 10) < (
        RECHECK + 1.5
    )
    redis.start()
    client = redis.client()
    # Every gunicorn worker of both hosts subscribes again, by itself.
    wait_for(lambda: client.pubsub_numsub(CHANNEL)[0][1] >= 4, 15, step=0.1)
    client.close()
    waits = []
    for status in STATUSES:
        _change(site, host_a, status)
        waits.append(wait_for(lambda s=status: host_b.component_status(site.code) == s, 5))
    assert statistics.median(waits) < FRESH, waits


def test_a_worker_killed_mid_delivery_loses_no_mail(site, cluster):
    """With two RQ workers sharing the delivery of an incident to 150 subscribers, when one is
    killed (SIGKILL) mid-delivery, does every subscriber still get the mail, with at most one
    copy sent twice?"""
    addresses = [f"s{n:03}@example.com" for n in range(150)]
    app = make_app(site.url)
    with app.app_context():
        for address in addresses:
            confirmed(address)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    cluster.mail.behaviour.delay = 0.01  # so the kill lands mid-delivery
    body = {
        "incident": {
            "name": "Payments failing",
            "body": "Looking into it.",
            "deliver_notifications": True,
        }
    }
    assert cluster.hosts[0].api("POST", "/api/v1/incidents", site.token, body) == 201
    cluster.mail.wait_for(20, timeout=30)
    cluster.workers[0].stop(signal.SIGKILL)
    assert len(cluster.mail.received) < len(addresses), "the kill came too late to test anything"

    def everybody_has_it() -> bool:
        return {a for r in cluster.mail.received for a in r.recipients} >= set(addresses)

    wait_for(everybody_has_it, 60, step=0.2)
    time.sleep(1.5)  # anything still to come would be a duplicate
    counts = Counter(a for r in cluster.mail.received for a in r.recipients)
    assert sum(n - 1 for n in counts.values()) <= 1, [a for a, n in counts.items() if n > 1]


def test_when_host_a_dies_mid_spike_host_b_keeps_serving(site, cluster):
    """Killed outright (master and workers), does host A leave host B answering every request?"""
    host_a, host_b = cluster.hosts
    spike = Spike([host_b])
    time.sleep(0.5)
    host_a.kill()
    time.sleep(1.0)
    _change(site, host_b, "major_outage")
    answers = spike.stop()
    assert {a[3] for a in answers} == {200}
    assert host_b.component_status(site.code) == "major_outage"
