"""Under gunicorn with 2 workers, does each worker keep serving through a database outage?"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.extensions import db
from app.services import components
from tests.conftest import make_app
from tests.integration.outage.conftest import Gunicorn

PATHS = ["/", "/api/v2/summary.json", "/history.atom", "/badge.svg"]
STALE = '110 - "Response is Stale"'


@pytest.fixture
def served(refusable_pg, tmp_path):
    app = make_app(refusable_pg.url)
    with app.app_context():
        if not components.list_components():
            components.create_component(name="Website", status="operational", actor="test")
        db.session.remove()
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": refusable_pg.url}, tmp_path / "gunicorn.log")
    yield server
    server.stop()
    refusable_pg.allow()


def _warm_both_workers(server: Gunicorn) -> dict[str, bytes]:
    """Request each path, several at once, until both workers have rendered it."""
    bodies = {}
    with ThreadPoolExecutor(8) as pool:
        for path in PATHS:
            for _ in range(50):
                for status, _, body in pool.map(server.get, [path] * 8):
                    assert status == 200
                    bodies[path] = body
                if len(server.worker_pids(path)) == 2:
                    break
            assert len(server.worker_pids(path)) == 2, f"one worker never served {path}"
    return bodies


def test_both_workers_serve_stale_pages_log_once_each_and_recover(served, refusable_pg):
    """With PostgreSQL refusing connections, does every request to either worker get the last
    good render marked stale (no 500, no bare gunicorn page), with one log line per worker
    for the whole outage, and fresh pages once the database is back?"""
    bodies = _warm_both_workers(served)
    refusable_pg.refuse()
    # Until a worker's version watcher next re-reads (every 2 s), the page version it last
    # read stands, and nothing can have changed it since: the pages are current, not stale.
    deadline = time.monotonic() + 5
    while served.get("/")[1].get("Warning") != STALE or served.get("/")[1].get("Warning") != STALE:
        assert time.monotonic() < deadline, "the workers never noticed the database was gone"
        time.sleep(0.1)
    with ThreadPoolExecutor(8) as pool:
        for status, headers, body in pool.map(served.get, PATHS * 20):
            assert status == 200, body[:300]
            assert headers["Warning"] == STALE
            assert body in bodies.values()
            assert headers["X-Content-Type-Options"] == "nosniff"
    assert 1 <= served.log_text().count("database unavailable") <= 2
    assert "Traceback" not in served.log_text()
    refusable_pg.allow()
    deadline = time.monotonic() + 15
    while True:
        fresh = [served.get("/")[1].get("Warning") for _ in range(6)]
        if fresh == [None] * 6:
            break
        assert time.monotonic() < deadline, "the workers never went back to the database"
        time.sleep(0.5)
