"""The worker in each configuration: a thread in the web process, a `flask worker` process
(polling the outbox), killed mid-batch, and RQ workers on Redis."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.delivery import worker
from app.extensions import db
from app.services import incidents
from tests.integration.delivery.conftest import confirmed
from tests.integration.ops.servers import Process, environment

WORKER = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]


def _open(name: str = "API errors"):
    return incidents.open_incident(name=name, impact="major", message="Looking into it.")


def _start_worker(database_url: str, sink, folder: Path, name: str = "worker", **extra) -> Process:
    env = environment(
        database_url,
        SMTP_URL=sink.url,
        HERALD_TICK_SECONDS="3600",
        HERALD_DELIVERY_POLL_SECONDS="1",
        **extra,
    )
    process = Process(WORKER, env, folder / f"{name}.log")
    deadline = time.monotonic() + 30
    while "Worker running" not in process.output():
        assert process.alive(), process.output()
        assert time.monotonic() < deadline, process.output()
        time.sleep(0.05)
    return process


def _counts(sink) -> Counter:
    return Counter(a for r in sink.received for a in r.recipients)


def test_the_thread_in_the_web_process_sends_within_seconds(app, mail, catalogue):
    """With the embedded worker (a thread in `flask serve`), does the mail leave within 5 s
    of posting the incident?"""
    confirmed("ada@example.com")
    stop = worker.start_thread(app)
    try:
        time.sleep(0.5)  # its first tick
        committed = time.time()
        _open()
        (received,) = mail.wait_for(1, timeout=5)
    finally:
        worker.stop_thread(app, stop)
    assert received.recipients == ["ada@example.com"]
    assert received.at - committed < 5


def test_a_worker_process_sends_within_seconds(app, database_url, mail, catalogue, tmp_path):
    """With `flask worker` in its own process (no Redis), does the mail leave within 5 s of
    the commit, learnt of by polling the outbox?"""
    confirmed("ada@example.com")
    process = _start_worker(database_url, mail, tmp_path)
    try:
        committed = time.time()
        _open()
        (received,) = mail.wait_for(1, timeout=5)
    finally:
        process.stop()
    assert received.at - committed < 5


def test_a_worker_killed_mid_batch_loses_nothing(app, database_url, mail, catalogue, tmp_path):
    """When the worker process is killed (SIGKILL) in the middle of a batch, does every
    subscriber still get the mail once the next worker takes over, with at most one copy
    sent twice?"""
    addresses = [f"s{n:03}@example.com" for n in range(200)]
    for address in addresses:
        confirmed(address)
    mail.behaviour.delay = 0.01  # so the kill lands mid-batch
    lease = {"HERALD_DELIVERY_LEASE_SECONDS": "2"}
    first = _start_worker(database_url, mail, tmp_path, "first", **lease)
    try:
        _open()
        mail.wait_for(40, timeout=20)
        first.stop(signal.SIGKILL)
    finally:
        first.stop()
    assert len(mail.received) < len(addresses), "the kill came too late to test anything"
    second = _start_worker(database_url, mail, tmp_path, "second", **lease)
    try:
        deadline = time.monotonic() + 30
        while set(_counts(mail)) != set(addresses):
            assert time.monotonic() < deadline, f"{len(_counts(mail))} of {len(addresses)}"
            time.sleep(0.1)
        time.sleep(1.0)  # anything still to come would be a duplicate
    finally:
        second.stop()
    counts = _counts(mail)
    assert set(counts) == set(addresses)
    assert sum(n - 1 for n in counts.values()) <= 1, [a for a, n in counts.items() if n > 1]


@pytest.fixture
def rq_web(app, redis_prefix):
    """The web side (this test's app) enqueueing on the test Redis, in a queue of its own."""
    from tests.conftest import REDIS_TEST_URL

    changed = {"REDIS_URL": REDIS_TEST_URL, "RQ_QUEUE": f"{redis_prefix}delivery"}
    before = {key: app.config.get(key) for key in changed}
    app.config.update(changed)
    yield changed
    app.config.update(before)
    app.extensions.pop("herald.delivery_redis", None)


def test_rq_workers_on_redis_send_within_seconds(
    app, database_url, mail, catalogue, rq_web, tmp_path
):
    """With REDIS_URL, does the web process enqueue and an RQ `flask worker` deliver within
    5 s, exactly once?"""
    confirmed("ada@example.com")
    confirmed("bo@example.com")
    process = _start_worker(
        database_url,
        mail,
        tmp_path,
        REDIS_URL=rq_web["REDIS_URL"],
        HERALD_RQ_QUEUE=rq_web["RQ_QUEUE"],
        HERALD_DELIVERY_SWEEP_SECONDS="30",
    )
    try:
        assert "RQ on Redis" in process.output()
        committed = time.time()
        _open()
        received = mail.wait_for(2, timeout=5)
        time.sleep(0.5)
    finally:
        process.stop()
    assert max(r.at for r in received) - committed < 5
    assert _counts(mail) == {"ada@example.com": 1, "bo@example.com": 1}


def test_redis_down_the_web_keeps_working_and_the_sweep_delivers(
    app, database_url, mail, catalogue, client, tmp_path
):
    """With Redis gone, does posting an incident still work (and the page still answer), and
    does the RQ worker's sweep deliver the mail anyway — and RQ take over again once Redis
    is back?"""
    import shutil

    from tests.conftest import unavailable
    from tests.integration.outage.conftest import RedisServer, free_port

    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    redis_server = RedisServer(free_port())
    redis_server.start()
    changed = {"REDIS_URL": redis_server.url, "RQ_QUEUE": "herald-delivery-outage"}
    before = {key: app.config.get(key) for key in changed}
    app.config.update(changed)
    confirmed("ada@example.com")
    process = _start_worker(
        database_url,
        mail,
        tmp_path,
        REDIS_URL=redis_server.url,
        HERALD_RQ_QUEUE=changed["RQ_QUEUE"],
        HERALD_DELIVERY_SWEEP_SECONDS="1",
    )
    try:
        redis_server.stop()
        incident = _open()
        assert client.get("/").status_code == 200
        mail.wait_for(1, timeout=15)
        redis_server.start()
        time.sleep(2.5)  # the RQ worker reconnects
        incidents.post_update(incident, status="resolved", message="Fixed.")
        mail.wait_for(2, timeout=10)
        time.sleep(0.5)
    finally:
        process.stop()
        redis_server.stop()
        app.config.update(before)
        app.extensions.pop("herald.delivery_redis", None)
        app.extensions.pop("herald.delivery_redis_outage", None)
    assert _counts(mail) == {"ada@example.com": 2}


def test_the_worker_forgets_addresses_never_confirmed_after_a_week(app, mail):
    """Is an address that never confirmed deleted by the worker's tick after 7 days, while a
    newer one waits?"""
    from datetime import timedelta

    from app.models import utcnow
    from app.services import subscriptions
    from tests.subscriber_fixtures import evidence, subscriber

    old = evidence()
    old = type(old)(at=utcnow() - timedelta(days=8), ip=old.ip, user_agent=old.user_agent)
    subscriptions.subscribe("old@example.com", "email", evidence=old)
    recent = type(old)(at=utcnow() - timedelta(days=6), ip=old.ip, user_agent=old.user_agent)
    subscriptions.subscribe("new@example.com", "email", evidence=recent)
    worker.run_once(app)
    db.session.rollback()
    assert subscriber("old@example.com") is None
    assert subscriber("new@example.com") is not None
