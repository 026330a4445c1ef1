"""Does the README's one command really serve the whole site, worker included?"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT, csrf_token_from, make_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    """One `flask serve` for this module's tests: starting it is most of their cost."""
    port = _free_port()
    database = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'serve.db'}"
    # No SITE_URL: the public address must follow --port.
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | {
        "DATABASE_URL": database,
        "HERALD_ADMIN_EMAIL": "first@example.com",
        "HERALD_ADMIN_PASSWORD": "first admin passphrase",
        "HERALD_TICK_SECONDS": "1",
        "HERALD_DEMO": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/", process)
        yield base, database
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()


def test_serve_migrates_creates_the_admin_and_serves_the_demo_page(served_site):
    """After `flask serve`, can a new user see the demo page and log in as the first admin?"""
    base, _ = served_site
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
    base, _ = served_site
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
    base, _ = served_site
    other = base.replace("127.0.0.1", "localhost")
    html = _logged_in(other).open(other + "/admin").read().decode()
    assert f"You are using this admin at <code>{other}</code>" in html
    assert f"public address is <code>{base}</code>" in html


def test_the_embedded_worker_starts_maintenance_on_time(served_site):
    """Does maintenance start by itself while only `flask serve` runs?"""
    _, database = served_site
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
