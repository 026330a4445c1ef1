"""Browser tests: a real Herald server, Debian's Chromium through Playwright, axe and Nu.

Fixtures (used by every file in tests/e2e):

- `live_server` (session): Herald on its own SQLite file, served on 127.0.0.1 by
  werkzeug in a daemon thread; `.url`, `.app`, and `.reset()` to empty the data.
- `browser` (session): headless Chromium from /usr/bin/chromium (never downloaded).
- `page` (function): a fresh context and page, closed after the test.
- `new_page` (function): `new_page(**context_options)` for more pages, e.g. with
  `java_script_enabled=False` or `color_scheme="dark"`; all closed after the test.

Helpers live in tests/e2e/helpers.py (`axe_check`, `validate_html`, `login`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import make_app, unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright must never fetch a browser of its own: we drive Debian's.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@dataclass
class LiveServer:
    url: str
    app: Flask

    def reset(self) -> None:
        """Remove every row but the page settings, so a test starts from an empty page."""
        from tests.e2e.helpers import empty_database

        empty_database(self.app)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A running Herald (CSRF on, rate limits off) on a migrated SQLite file of its own."""
    from flask_migrate import upgrade

    from app.extensions import db

    database = tmp_path_factory.mktemp("live") / "herald-live.db"
    app = make_app(f"sqlite:///{database}", RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="herald-live", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # As `flask serve` does: the public address is the one served (app/site.py).
    app.config["SITE_URL"] = url
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian, driven by Playwright's sync API."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not found; install chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts (`new_page(java_script_enabled=False)`), closed after."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context (no cookies), closed after the test."""
    return new_page()
