"""When the database stops answering, does the public page keep showing its last update?"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app.extensions import db
from app.services import components, incidents
from tests.conftest import PASSWORD, Browser, make_app

STALE = '110 - "Response is Stale"'
RETRY = 0.3  # DATABASE_RETRY_SECONDS in these tests: how soon the site tries the database again
PUBLIC = [
    "/",
    "/history",
    "/history?page=01",
    "/uptime",
    "/history.atom",
    "/history.rss",
    "/maintenance.ics",
    "/badge.svg",
    "/badge.svg?label=api",
    "/embed/frame",
    "/embed/script.js",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/incidents.json",
]


def _outage_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "herald.outage"]


def _seed(app) -> list[str]:
    """A component and an incident; the URLs of their own pages, feeds and badges."""
    with app.app_context():
        name = f"API {time.monotonic_ns()}"
        api = components.create_component(name=name, status="operational", actor="test")
        incident = incidents.open_incident(
            name="Slow checkout", impact="minor", message="Looking.", components={}
        )
        paths = [
            f"/incidents/{incident.id}",
            f"/api/v2/incidents/{incident.id}.json",
            f"/components/{api.code}/badge.svg",
            f"/components/{api.code}/history.atom",
        ]
        db.session.remove()
    return paths


@pytest.fixture
def pg_site(refusable_pg):
    app = make_app(refusable_pg.url, DATABASE_RETRY_SECONDS=RETRY)
    paths = PUBLIC + _seed(app)
    yield app, paths
    refusable_pg.allow()
    with app.app_context():
        db.engine.dispose()


def test_public_urls_answer_with_their_last_render_while_postgresql_refuses(
    pg_site, refusable_pg, caplog
):
    """With PostgreSQL refusing connections, do pages, feeds, badges and API documents
    answer 200 with the last good render, say it is stale and how old, log once, and a
    client holding the current ETag still get its 304?"""
    app, paths = pg_site
    client = app.test_client()
    good = {path: client.get(path) for path in paths}
    assert {path: r.status_code for path, r in good.items()} == dict.fromkeys(paths, 200)
    refusable_pg.refuse()
    caplog.set_level(logging.INFO, logger="herald")
    for _ in range(3):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.get_data() == good[path].get_data(), path
            assert response.headers["ETag"] == good[path].headers["ETag"], path
            assert response.headers["Warning"] == STALE, path
            assert int(response.headers["Age"]) >= 0, path
            assert response.headers["Cache-Control"].startswith("public"), path
    held = good["/"].headers["ETag"]
    revalidated = client.get("/", headers={"If-None-Match": held})
    assert revalidated.status_code == 304 and revalidated.headers["ETag"] == held
    assert len(_outage_logs(caplog)) == 1
    assert "database unavailable" in _outage_logs(caplog)[0]


def test_error_pages_and_the_admin_answer_without_the_database(pg_site, refusable_pg):
    """With the database gone, is a 404 still the site's 404, an unrendered page a clear 503,
    and the admin a "database unavailable" page (503), never a traceback?"""
    app, paths = pg_site
    client = app.test_client()
    client.get("/")
    with app.app_context():
        from app.services import users

        users.create_user(
            email=f"outage-{time.monotonic_ns()}@example.com",
            password=PASSWORD,
            role="admin",
            actor="test",
        )
        email = users.list_users()[-1].email
        db.session.remove()
    admin = Browser(app.test_client())
    admin.login(email)
    refusable_pg.refuse()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and b"Page not found" in missing.get_data()
    never_rendered = client.get("/incidents/999999")
    assert never_rendered.status_code == 503
    assert never_rendered.headers["Retry-After"]
    for response in (admin.get("/admin/"), admin.get("/admin/incidents")):
        assert response.status_code == 503
        body = response.get_data(as_text=True)
        assert "Database unavailable" in body and "Traceback" not in body
    login = app.test_client().post(
        "/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": admin.csrf}
    )
    assert login.status_code in (400, 503)
    api = client.get("/api/v2/incidents/999999.json")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == 503


def test_the_site_recovers_by_itself_when_the_database_returns(pg_site, refusable_pg, caplog):
    """Once PostgreSQL accepts connections again, are pages fresh again (no Warning), a change
    made then shown at once, the admin back, and the recovery logged once?"""
    app, paths = pg_site
    client = app.test_client()
    before = client.get("/")
    refusable_pg.refuse()
    caplog.set_level(logging.INFO, logger="herald")
    assert client.get("/").headers["Warning"] == STALE
    refusable_pg.allow()
    time.sleep(RETRY * 2)
    after = client.get("/")
    assert after.status_code == 200 and "Warning" not in after.headers
    assert after.headers["ETag"] == before.headers["ETag"]
    with app.app_context():
        for api in components.list_components():
            components.set_status(api, "major_outage", actor="test")
        db.session.remove()
    changed = client.get("/")
    assert changed.headers["ETag"] != before.headers["ETag"]
    assert "Major Outage" in changed.get_data(as_text=True)
    assert [m for m in _outage_logs(caplog) if "available again" in m] != []


# -- SQLite ------------------------------------------------------------------------------


@pytest.fixture
def sqlite_site(tmp_path):
    path = tmp_path / "outage.db"
    app = make_app(
        f"sqlite:///{path}",
        DATABASE_RETRY_SECONDS=RETRY,
        # A locked database answers after this long instead of the production 10 s.
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2}},
    )
    with app.app_context():
        upgrade()
    paths = PUBLIC + _seed(app)
    yield app, paths, path
    with app.app_context():
        db.engine.dispose()


def test_sqlite_locked_by_another_process_still_serves_the_last_render(sqlite_site):
    """While another process holds SQLite's exclusive lock, do public URLs answer 200 (stale),
    and fresh again once it lets go?"""
    app, paths, path = sqlite_site
    client = app.test_client()
    good = {p: client.get(p).get_data() for p in paths}
    with app.app_context():
        db.engine.dispose()  # our pooled connections would keep reading from their snapshot
    locker = sqlite3.connect(path, timeout=0)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for p in paths:
            response = client.get(p)
            assert response.status_code == 200, p
            assert response.get_data() == good[p], p
            assert response.headers["Warning"] == STALE, p
    finally:
        locker.rollback()
        locker.close()
    time.sleep(RETRY * 2)
    fresh = client.get("/")
    assert fresh.status_code == 200 and "Warning" not in fresh.headers


def test_sqlite_file_unreadable_still_serves_the_last_render(sqlite_site):
    """With the database file gone unreadable (moved away, a directory in its place), do
    public URLs answer 200 (stale), and fresh once the file is back?"""
    app, paths, path = sqlite_site
    client = app.test_client()
    good = {p: client.get(p).get_data() for p in paths}
    with app.app_context():
        db.engine.dispose()
    aside = Path(f"{path}.aside")
    path.rename(aside)
    path.mkdir()
    try:
        for p in paths:
            response = client.get(p)
            assert response.status_code == 200, p
            assert response.get_data() == good[p], p
            assert response.headers["Warning"] == STALE, p
        theme = client.get("/theme.css")
        assert theme.status_code == 200 and "immutable" not in theme.headers["Cache-Control"]
    finally:
        shutil.rmtree(path)
        aside.rename(path)
    time.sleep(RETRY * 2)
    fresh = client.get("/")
    assert fresh.status_code == 200 and "Warning" not in fresh.headers
