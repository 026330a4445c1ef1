"""Does the README's one command really serve the whole site, worker included?"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT, csrf_token_from, make_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds} s")


@contextmanager
def _serving(directory: Path, **settings: str):
    """`flask serve` on a free port, with a SQLite database, a HOME and an output file (the
    log) of its own in `directory`; yields (base URL, database URL, log path)."""
    port = _free_port()
    database = f"sqlite:///{directory / 'serve.db'}"
    (directory / "home").mkdir()
    # No SITE_URL: the public address must follow --port. No XDG_RUNTIME_DIR: files a
    # library puts in the user's own directories land in HOME, where a test can see them.
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "XDG_RUNTIME_DIR")}
    env |= {
        "DATABASE_URL": database,
        "HOME": str(directory / "home"),
        "HERALD_ADMIN_EMAIL": "first@example.com",
        "HERALD_ADMIN_PASSWORD": "first admin passphrase",
        "HERALD_TICK_SECONDS": "1",
        "HERALD_DEMO": "1",
    } | settings
    log = directory / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/", process, log)
        yield base, database, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    """One `flask serve` for this module's tests: starting it is most of their cost."""
    with _serving(tmp_path_factory.mktemp("serve"), HERALD_LOG_FORMAT="text") as served:
        yield served


def _lines_once_there(log: Path, needle: str, seconds: float = 20) -> list[str]:
    """The log's lines, as soon as one of them holds `needle`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = log.read_text(errors="replace").splitlines()
        if any(needle in line for line in lines):
            return lines
        time.sleep(0.2)
    pytest.fail(f"no line with {needle!r} within {seconds} s:\n{log.read_text()[-4000:]}")


def test_serve_migrates_creates_the_admin_and_serves_the_demo_page(served_site):
    """After `flask serve`, can a new user see the demo page and log in as the first admin?"""
    base, *_ = served_site
    with urllib.request.urlopen(base + "/") as response:
        html = response.read().decode()
    assert "Dashboard" in html  # a demo component is listed

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login_page = opener.open(base + "/admin/login").read().decode()
    form = urlencode(
        {
            "email": "first@example.com",
            "password": "first admin passphrase",
            "csrf_token": csrf_token_from(login_page),
        }
    ).encode()
    dashboard = opener.open(base + "/admin/login", data=form)
    assert dashboard.geturl().rstrip("/").endswith("/admin")
    assert "first@example.com" in dashboard.read().decode()


def _logged_in(base: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login_page = opener.open(base + "/admin/login").read().decode()
    form = {
        "email": "first@example.com",
        "password": "first admin passphrase",
        "csrf_token": csrf_token_from(login_page),
    }
    opener.open(base + "/admin/login", data=urlencode(form).encode())
    return opener


def test_without_site_url_every_link_points_at_the_port_served(served_site):
    """Started with `--port N` and no SITE_URL, do the snippets, the iframe, the feeds, the
    calendar and the API all name port N, not 5000?"""
    base, *_ = served_site
    opener = _logged_in(base)
    read = {
        path: opener.open(base + path).read().decode()
        for path in (
            "/admin/settings",
            "/admin/embed",
            "/embed/frame",
            "/history.atom",
            "/history.rss",
            "/maintenance.ics",
            "/api/v2/summary.json",
        )
    }
    settings, snippets = read["/admin/settings"], read["/admin/embed"]
    assert f'<code class="public-address">{base}</code>' in settings
    assert f"{base}/embed/script.js" in snippets and f"{base}/embed/frame" in snippets
    assert f"{base}/badge.svg" in snippets
    assert "127.0.0.1:5000" not in "".join(read.values())
    assert f'href="{base}/incidents/' in read["/embed/frame"]
    assert f'href="{base}" rel="alternate"' in read["/history.atom"]
    assert f"<link>{base}/" in read["/history.rss"]
    assert f"URL:{base}/incidents/" in read["/maintenance.ics"]
    assert f'"url":"{base}"' in read["/api/v2/summary.json"]
    assert f'"shortlink":"{base}/incidents/' in read["/api/v2/summary.json"]
    # Used from the address it serves, the admin has nothing to warn about.
    assert "public address is" not in settings


def test_the_admin_warns_when_used_from_another_address(served_site):
    """Opened as http://localhost:N while the public address is 127.0.0.1:N, does the admin
    say that its links point elsewhere?"""
    base, *_ = served_site
    other = base.replace("127.0.0.1", "localhost")
    html = _logged_in(other).open(other + "/admin").read().decode()
    assert f"You are using this admin at <code>{other}</code>" in html
    assert f"public address is <code>{base}</code>" in html


def test_the_embedded_worker_starts_maintenance_on_time(served_site):
    """Does maintenance start by itself while only `flask serve` runs?"""
    _, database, _ = served_site
    from app.extensions import db
    from app.models import Incident, utcnow
    from app.services import maintenance

    app = make_app(database)
    with app.app_context():
        now = utcnow()
        planned = maintenance.schedule_maintenance(
            name="Quick window",
            message="Planned.",
            scheduled_for=now + timedelta(seconds=1),
            scheduled_until=now + timedelta(hours=1),
        )
        deadline = time.monotonic() + 20
        status = planned.status
        while time.monotonic() < deadline and status == "scheduled":
            time.sleep(0.5)
            db.session.rollback()  # the server writes: read past this session's snapshot
            status = db.session.get(Incident, planned.id).status
        db.session.remove()
        db.engine.dispose()
    assert status == "in_progress"


def test_serve_keeps_out_of_the_users_home(served_site):
    """Does `flask serve` leave the user's home alone: no gunicorn control socket in
    ~/.gunicorn, outside the checkout?"""
    _, _, log = served_site
    _lines_once_there(log, "Booting worker")
    assert not (log.parent / "home" / ".gunicorn").exists()
    assert "Control socket" not in log.read_text()


def test_the_worker_logs_each_job_with_its_fields(served_site):
    """In `flask serve`'s output, is the embedded worker's line for each job as readable as a
    request's: time, level, logger, then the job, its outcome and duration as key=value?"""
    _, _, log = served_site
    lines = _lines_once_there(log, "herald.worker")
    jobs = [line for line in lines if "herald.worker" in line]
    shape = r"\S+Z INFO herald\.worker: job job=tick outcome=ok duration_ms=[0-9.]+ started="
    assert all(re.match(shape, line) for line in jobs), jobs
    assert not [line for line in lines if line.startswith("INFO  [")]  # alembic.ini's format


def test_json_logs_keep_the_worker_fields_too(tmp_path):
    """With HERALD_LOG_FORMAT=json, are the migrations' log lines JSON like the server's and
    the worker's (none left in alembic.ini's format), and does a job's line carry its fields?"""
    with _serving(tmp_path, HERALD_LOG_FORMAT="json") as (_, _, log):
        lines = _lines_once_there(log, '"logger": "herald.worker"')
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    assert not [line for line in lines if line.startswith("INFO  [")]
    assert any(line["logger"] == "alembic.runtime.migration" for line in logged)
    job = next(line for line in logged if line["logger"] == "herald.worker")
    assert job | {"level": "info", "msg": "job", "job": "tick", "outcome": "ok"} == job
    assert isinstance(job["duration_ms"], float) and job["ts"].endswith("Z")
