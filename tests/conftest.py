"""Shared fixtures: the app on SQLite and PostgreSQL, clients, logins, factories.

Every test that uses `app` runs twice, once per database. PostgreSQL tests use
a throwaway database created for this session; with CI=true they must run.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from pathlib import Path

import psycopg
import pytest
from flask import g, request_started
from jinja2 import BytecodeCache
from sqlalchemy import text

from app import create_app
from app.config import normalise_database_url
from app.extensions import db

CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_DSN = os.environ.get("HERALD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("HERALD_TEST_REDIS", "redis://127.0.0.1:6379/15")
PASSWORD = "correct horse battery staple"


def unavailable(reason: str):
    """Skip on a laptop without the service; fail under CI, where it must run."""
    if CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


def _pg_throwaway_database():
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}".strip())
    name = f"herald_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    # A throwaway database need not survive a power cut: commits stop waiting for the WAL
    # flush (milliseconds each, thousands of them), and stay just as transactional.
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return admin, name, f"{base}/{name}"


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on REDIS_TEST_URL; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    prefix = f"herald-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def world_readable_umask():
    """The umask most systems start with (0022): new files are world-readable unless made
    otherwise; child processes inherit it."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture(autouse=True)
def _limiter_left_as_found():
    """Flask-Limiter is one object shared by every app a test builds: a test that turns it on,
    or gives it default limits, must not leave them (or its counts) to the next test."""
    yield
    from app.extensions import limiter

    limiter.limit_manager.set_default_limits([])
    # A storage a test has stopped (its own Redis) holds nothing to reset.
    with contextlib.suppress(Exception):
        limiter.reset()
    # A test that stopped Redis leaves Flask-Limiter counting in its in-memory fallback,
    # and init_app does not undo that: the next app would count where reset() never looks.
    limiter._storage_dead = False
    limiter.enabled = False


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'herald-test.db'}"
        return
    admin, name, url = _pg_throwaway_database()
    yield url
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def make_app(database_url: str, **overrides):
    """A Herald app on `database_url` (no environment changes), for tests."""
    config = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "RATELIMIT_ENABLED": False,
        "TICK_SECONDS": 3600,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    # Tests hold an app context, which Flask reuses for their requests; without this, `g`
    # (the logged-in user, the CSRF token, cached settings) would leak from one request
    # into the next. In production every request has its own context.
    request_started.connect(_fresh_g, app)
    return app


class _CompiledTemplatesInMemory(BytecodeCache):
    """Compiled templates shared by every app of the session.

    A fresh app compiles each template it renders again (0.5 s and more for a few admin
    pages); tests build hundreds of apps, all from create_app with one Jinja setup. A
    template whose source changed has another checksum and is compiled anew.
    """

    def __init__(self):
        self._code: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket) -> None:
        checksum, code = self._code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED_TEMPLATES = _CompiledTemplatesInMemory()


def _fresh_g(sender, **extra):
    for name in list(g):
        g.pop(name)


@pytest.fixture(scope="session")
def migrated_app(database_url):
    """One app per database, its schema built by the real Alembic migrations."""
    from flask_migrate import upgrade

    # Nothing cuts this app's connections (outage tests build apps of their own), so it
    # skips the ping PostgreSQL connections make at every checkout: a round trip per
    # request, ~15 % of a simple request's time.
    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    with app.app_context():
        upgrade()
    yield app
    # Close the pool before the database is dropped: a connection left for the garbage
    # collector raises ResourceWarning, an error under filterwarnings=error.
    with app.app_context():
        db.engine.dispose()


_RESET_PAGE_SETTINGS = (
    "UPDATE page_settings SET name='Herald Status', url=NULL, logo_url=NULL, "
    "accent_color='#1f6feb', support_url=NULL, time_zone='Etc/UTC', "
    "logo_image=NULL, favicon_image=NULL, require_two_factor=false, "
    "alert_quiet_minutes=NULL, "
    # Move the version on, never back: a render cached by an earlier test
    # must not be served for this one, as in production.
    "version = version + 1"
)


def _tables_to_empty() -> list[str]:
    """Every table but the page settings, children first so no foreign key objects."""
    return [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "page_settings"]


def _pg_emptying_script(tables: list[str]) -> str:
    """One round trip that empties `tables`, restarts their ids at 1 and resets the settings.

    Statement by statement this took 27 round trips per test, most of its setup time.
    DELETE rather than TRUNCATE: on tables this small PostgreSQL deletes in milliseconds,
    where TRUNCATE costs a tenth of a second or more per test.
    """
    # The names come from our own metadata, never from input.
    names = ", ".join(f"'{name}'" for name in tables)
    deletes = "".join(f'DELETE FROM "{name}"; ' for name in tables)  # noqa: S608
    # Every sequence that numbers a row of these tables (serial or identity columns).
    sequences = (
        "SELECT setval(s.oid, 1, false) FROM pg_class s "  # noqa: S608
        "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        f"WHERE s.relkind = 'S' AND t.relname IN ({names}); "
    )
    return deletes + sequences + _RESET_PAGE_SETTINGS


def _empty_tables() -> None:
    """Delete every row but the page settings; ids start again at 1."""
    tables = _tables_to_empty()
    if db.engine.dialect.name == "postgresql":
        # Without parameters psycopg sends the script as one simple query.
        db.session.connection().exec_driver_sql(_pg_emptying_script(tables))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608
        db.session.execute(text(_RESET_PAGE_SETTINGS))
    db.session.commit()
    from app.cache import state

    state().store.clear()


@pytest.fixture
def app(migrated_app):
    """The app with empty tables and an app context, on each database in turn."""
    with migrated_app.app_context():
        _empty_tables()
        yield migrated_app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token in its form"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that logs in through the real form and sends CSRF tokens."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, email: str, password: str = PASSWORD):
        response = self.login_form(email, password)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        # Login starts a new session, with a new CSRF token: read it where login lands.
        self.read_csrf(response.headers["Location"])
        return response

    def login_form(self, email: str, password: str = PASSWORD):
        """Send the password step of the login form; its answer, whatever it is."""
        self.read_csrf("/admin/login")
        return self.post("/admin/login", {"email": email, "password": password})

    def read_csrf(self, url: str):
        """Open `url` and keep the CSRF token of its form; the page's answer."""
        page = self.client.get(url)
        self.csrf = csrf_token_from(page.get_data(as_text=True))
        return page

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def make_user(app):
    from app.services import users

    def make(email="manager@example.com", role="manager", password=PASSWORD):
        return users.create_user(email=email, password=password, role=role, actor="test")

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin@example.com", "admin")


@pytest.fixture
def manager_user(make_user):
    return make_user("manager@example.com", "manager")


@pytest.fixture
def as_admin(app, admin_user):
    browser = Browser(app.test_client())
    browser.login(admin_user.email)
    return browser


@pytest.fixture
def as_manager(app, manager_user):
    browser = Browser(app.test_client())
    browser.login(manager_user.email)
    return browser


@pytest.fixture
def make_component(app):
    from app.services import components

    def make(name="API", status="operational", group_id=None, **kwargs):
        return components.create_component(
            name=name, status=status, group_id=group_id, actor="test", **kwargs
        )

    return make


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def other_app(database_url, app):
    """Build extra apps on the same (emptied) database; their pools are closed afterwards.

    Use for a second configuration (https, rate limits on, a second host…).
    """
    made = []

    def build(**overrides):
        extra = make_app(database_url, **overrides)
        made.append(extra)
        return extra

    yield build
    # The test's own session may have borrowed a connection from an extra app's pool (an
    # expired object of the test's read inside that app's context binds there): give it
    # back before those pools are disposed, or it is returned to a dead pool and leaks.
    db.session.rollback()
    db.session.remove()
    for extra in made:
        # Each closed whatever happens to the others: a connection left to the garbage
        # collector is an error (ResourceWarning) in whichever test runs next.
        if (cache := extra.extensions.get("herald_cache")) is not None:
            with contextlib.suppress(Exception):
                cache.close()  # its watcher may be reading through the pool closed below
        if (queue := extra.extensions.get("herald.delivery_redis")) is not None:
            with contextlib.suppress(Exception):
                queue.close()  # the RQ queue's Redis connection
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()
