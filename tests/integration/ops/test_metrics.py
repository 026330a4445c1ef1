"""/metrics: can an operator's Prometheus see traffic, the caches, the worker and the outbox?"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models import utcnow
from tests.conftest import REDIS_TEST_URL, csrf_token_from
from tests.integration.ops.outbox_tables import add_delivery, add_notification, ensure_outbox
from tests.integration.ops.servers import (
    environment,
    fetch,
    start_gunicorn,
    start_worker,
    wait_for,
)


def samples(exposition: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from Prometheus text."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return samples(response.get_data(as_text=True))


def test_requests_are_counted_by_endpoint_not_by_path(app, client):
    """Do made-up URLs all land on one `none` series, and pages on their endpoint?"""
    before = scrape(client)
    for n in range(20):
        assert client.get(f"/no-such-page-{n}").status_code == 404
    client.get("/")
    after = scrape(client)
    metric = "herald_http_requests_total"
    assert (
        value(after, metric, endpoint="none", method="GET", status="404")
        - value(before, metric, endpoint="none", method="GET", status="404")
        == 20
    )
    assert value(after, metric, endpoint="public.index", method="GET", status="200") >= 1
    assert "no-such-page" not in client.get("/metrics").get_data(as_text=True)


def test_cache_layers_and_render_time(app, client):
    """Is the first view of a page a timed miss, and the next ones hits of the fast path?"""
    before = scrape(client)
    for _ in range(4):
        assert client.get("/history").status_code == 200
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("herald_cache_responses_total", layer="miss", endpoint="public.history") == 1
    assert grew("herald_render_duration_seconds_count", endpoint="public.history") == 1
    hits = grew("herald_cache_responses_total", layer="fast_path", endpoint="public.history")
    hits += grew("herald_cache_responses_total", layer="decorator", endpoint="public.history")
    assert hits == 3
    assert (
        grew("herald_http_requests_total", endpoint="public.history", method="GET", status="200")
        == 4
    )


def test_failed_logins_are_counted(app, client, admin_user):
    """Does a wrong password show up as a failed log-in?"""
    before = scrape(client)
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post(
        "/admin/login",
        data={"email": admin_user.email, "password": "wrong", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 401
    after = scrape(client)
    metric = "herald_login_failures_total"
    grew = value(after, metric, reason="bad_credentials") - value(
        before, metric, reason="bad_credentials"
    )
    assert grew == 1


def test_metrics_behind_a_token(other_app):
    """With HERALD_METRICS_TOKEN set, is /metrics refused without the bearer token?"""
    app = other_app(METRICS_TOKEN="scrape-secret")
    client = app.test_client()
    with app.app_context():
        refused = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    assert b"herald_http_requests_total" in allowed.data


def test_metrics_behind_an_allow_list(other_app):
    """With HERALD_METRICS_ALLOW, is a scraper outside the listed networks refused?"""
    outside = other_app(METRICS_ALLOW="10.0.0.0/8, 192.168.0.0/16")
    inside = other_app(METRICS_ALLOW="10.0.0.0/8,127.0.0.1")
    with outside.app_context():
        assert outside.test_client().get("/metrics").status_code == 403
    with inside.app_context():
        assert inside.test_client().get("/metrics").status_code == 200


def test_outbox_and_deliveries_from_the_database(databases):
    """With an outbox, are its depth, lag, deliveries by state and latency on /metrics?"""
    app = databases.app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ensure_outbox()
        now = utcnow()
        waiting = add_notification(created_at=now - timedelta(seconds=40), fanned_out=False)
        done = add_notification(created_at=now - timedelta(seconds=30), fanned_out=True)
        add_delivery(done, state="sent", next_attempt_at=now, sent_at=now - timedelta(seconds=28))
        add_delivery(done, state="sent", next_attempt_at=now, sent_at=now - timedelta(seconds=20))
        add_delivery(done, state="pending", next_attempt_at=now - timedelta(seconds=5))
        add_delivery(waiting, state="dead", next_attempt_at=now)
        db.session.commit()
        found = scrape(app.test_client())
    assert value(found, "herald_outbox_depth", queue="notifications") == 1
    assert value(found, "herald_outbox_depth", queue="deliveries") == 1
    assert 39 <= value(found, "herald_outbox_lag_seconds") < 120
    assert value(found, "herald_deliveries", state="sent") == 2
    assert value(found, "herald_deliveries", state="pending") == 1
    assert value(found, "herald_deliveries", state="dead") == 1
    assert 1.5 <= value(found, "herald_delivery_latency_seconds", quantile="0.5") <= 10.5
    assert 9.5 <= value(found, "herald_delivery_latency_seconds", quantile="1") <= 10.5
    assert value(found, "herald_database_up") == 1


def _scrape_url(base: str) -> dict:
    status, _, body = fetch(base + "/metrics")
    assert status == 200
    return samples(body.decode())


def test_gunicorn_workers_are_added_up(app, database_url, tmp_path):
    """Under the documented gunicorn command (2 workers), does /metrics add up every worker's
    requests, count the background worker's ticks, and forget a killed worker's liveness?"""
    # Web and worker on one host share a metrics directory; gunicorn empties it as it starts.
    shared = tmp_path / "metrics"
    env = environment(database_url, HERALD_TICK_SECONDS="0.5", PROMETHEUS_MULTIPROC_DIR=str(shared))
    base, web = start_gunicorn(tmp_path, env)
    worker = start_worker(tmp_path, env)
    try:
        for _ in range(60):
            assert fetch(base + "/api/v2/status.json")[0] == 200
        wait_for(
            lambda: value(_scrape_url(base), "herald_processes", role="web") == 2,
            message="both web workers counted",
        )
        found = _scrape_url(base)
        served = value(
            found, "herald_http_requests_total", endpoint="api.status", method="GET", status="200"
        )
        assert served == 60
        layers = {
            layer: value(found, "herald_cache_responses_total", layer=layer, endpoint="api.status")
            for layer in ("fast_path", "decorator", "miss")
        }
        assert sum(layers.values()) == 60 and layers["fast_path"] > 0, layers
        wait_for(
            lambda: (
                value(_scrape_url(base), "herald_worker_job_duration_seconds_count", job="tick")
                >= 2
            ),
            message="the worker's ticks on the web host's /metrics",
        )
        assert value(_scrape_url(base), "herald_processes", role="worker") == 1

        pids_before = _gunicorn_worker_pids(web)
        victim = pids_before[0]
        os.kill(victim, signal.SIGKILL)
        wait_for(
            lambda: (
                victim not in _gunicorn_worker_pids(web) and len(_gunicorn_worker_pids(web)) == 2
            ),
            message="gunicorn replacing the killed worker",
        )
        (newcomer,) = set(_gunicorn_worker_pids(web)) - {victim} - set(pids_before)

        def newcomer_counted():
            for _ in range(10):
                fetch(base + "/")
            return (shared / f"gauge_livesum_{newcomer}.db").exists()

        wait_for(newcomer_counted, message="the new worker serving")
        assert not (shared / f"gauge_livesum_{victim}.db").exists()
        assert value(_scrape_url(base), "herald_processes", role="web") == 2
        after_restart = _scrape_url(base)
        still = value(
            after_restart,
            "herald_http_requests_total",
            endpoint="api.status",
            method="GET",
            status="200",
        )
        assert still == 60  # a dead worker's requests still count
    finally:
        worker.stop()
        web.stop()


def _gunicorn_worker_pids(web) -> list[int]:
    master = web.popen.pid
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    stat = file.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry))
    return sorted(children)


def test_a_host_lagging_behind_the_database_shows_on_metrics(
    other_app, redis_prefix, tmp_path, make_component
):
    """When a host has not yet learned of a change (no notice reached it), does /metrics show
    the page version it serves one behind the database's, and level again once it learns?"""
    from app.cache import state
    from app.services import components

    host = other_app(
        REDIS_URL=REDIS_TEST_URL,
        CACHE_KEY_PREFIX=redis_prefix,
        CACHE_VERSION_CHECK="auto",
        CACHE_BOARD_FILE=str(tmp_path / "host.board"),
        CACHE_RECHECK_SECONDS=60,
    )
    component = make_component("API")
    client = host.test_client()
    client.get("/")
    level = scrape(client)
    assert value(level, "herald_host_page_version") == value(level, "herald_page_version")
    writer = other_app()  # no Redis: this change sends no notice the host hears
    with writer.app_context():
        components.set_status(components.get_component(component.id), "major_outage", actor="t")
        db.session.remove()
    client.get("/")
    behind = scrape(client)
    assert value(behind, "herald_page_version") - value(behind, "herald_host_page_version") == 1
    with host.app_context():
        state(host).clock.refresh()  # what the next re-check does
    client.get("/")
    again = scrape(client)
    assert value(again, "herald_host_page_version") == value(again, "herald_page_version")
