"""/healthz and /readyz: can a load balancer or an orchestrator tell whether Herald can serve?"""

from __future__ import annotations

import signal
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db
from app.mirror.publish import plan
from app.models import utcnow
from app.services import heartbeat
from tests.conftest import make_app
from tests.integration.ops.servers import (
    environment,
    fetch,
    start_gunicorn,
    start_worker,
    wait_for,
)

UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:9/nowhere"


def test_healthz_answers_even_when_the_database_is_down():
    """Does /healthz say the process is alive without asking the database (which is down)?"""
    app = make_app(UNREACHABLE_PG)
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["worker"]["detail"].startswith("not checked")
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_needs_a_live_worker(app, client):
    """Is the site reported not ready until a worker beats, and again once it stops beating?"""
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["detail"] == "reachable, schema up to date"
    assert body["checks"]["redis"] == body["checks"]["redis"] | {
        "ok": True,
        "detail": "not configured",
    }
    assert body["checks"]["worker"]["ok"] is False
    assert "flask worker" in body["checks"]["worker"]["detail"]

    heartbeat.beat("worker")
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"]["worker"]["alive"] == 1

    db.session.execute(
        text("UPDATE worker_heartbeat SET beat_at = :old"),
        {"old": utcnow() - timedelta(minutes=10)},
    )
    db.session.commit()
    stale = client.get("/readyz").get_json()["checks"]["worker"]
    assert stale["ok"] is False
    assert stale["last_beat_seconds_ago"] >= 599
    assert "no worker beat in the last 90 s" in stale["detail"]


def test_checks_that_do_not_count_are_still_reported(other_app):
    """With HERALD_READY_CHECKS=database,redis, is a web host ready without a worker, while
    /readyz still shows the worker is missing?"""
    app = other_app(READY_CHECKS="database,redis")
    with app.app_context():
        body = app.test_client().get("/readyz")
    assert body.status_code == 200
    worker = body.get_json()["checks"]["worker"]
    assert worker["ok"] is False and worker["counts"] is False


def test_readyz_reports_redis_when_configured(other_app):
    """When REDIS_URL points at a Redis that does not answer, is the host not ready?"""
    app = other_app(REDIS_URL="redis://127.0.0.1:9/0", READY_CHECKS="database,redis")
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"]["detail"].startswith("unreachable")


def test_readyz_with_a_working_redis(other_app):
    """And with the real Redis, is that check green?"""
    from tests.integration.test_cache import REDIS_TEST_URL

    app = other_app(REDIS_URL=REDIS_TEST_URL, READY_CHECKS="database,redis")
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.get_json()["checks"]["redis"]["detail"] == "reachable", response.get_json()
    assert response.status_code == 200


def test_readyz_says_when_migrations_are_missing(databases):
    """A database migrated to an older revision: does /readyz say to run `flask db upgrade`?"""
    app = databases.app()
    with app.app_context():
        upgrade(revision="0006")
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    database = response.get_json()["checks"]["database"]
    assert database["schema"] == ["0006"]
    assert "flask db upgrade" in database["detail"]


def test_operator_endpoints_are_not_rate_limited_cached_or_published(other_app):
    """Do probes never meet the rate limiter, never come from a cache, and stay out of the
    mirror?"""
    app = other_app(
        RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute", READY_CHECKS="database"
    )
    client = app.test_client()
    with app.app_context():
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200
        ids = {client.get("/healthz").headers["X-Request-Id"] for _ in range(3)}
        assert len(ids) == 3  # each answered afresh, none replayed by the fast path
        published = plan(app).paths
    assert not {"/healthz", "/readyz", "/metrics"} & set(published)
    assert "/" in published


def _ready(base):
    status, _, body = fetch(base + "/readyz")
    return status


def test_readyz_follows_a_real_worker(app, database_url, tmp_path):
    """Under gunicorn: not ready without a worker, ready once `flask worker` runs, not ready
    again a few seconds after the worker is killed?"""
    env = environment(database_url, HERALD_TICK_SECONDS="0.5", HERALD_READY_HEARTBEAT_SECONDS="3")
    base, web = start_gunicorn(tmp_path, env)
    worker = None
    try:
        assert _ready(base) == 503
        worker = start_worker(tmp_path, env)
        wait_for(lambda: _ready(base) == 200, 30, message="ready once the worker runs")
        worker.stop(signal.SIGKILL)
        wait_for(lambda: _ready(base) == 503, 30, message="not ready after the worker died")
    finally:
        if worker is not None:
            worker.stop()
        web.stop()
