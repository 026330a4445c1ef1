"""A real Herald served by gunicorn in a subprocess, for tests that need real processes.

- `throwaway_database(kind, folder)`: a fresh SQLite file or PostgreSQL database.
- `LiveGunicorn(database_url, folder)`: migrates it with `flask db upgrade`, creates
  users with `flask create-admin`, serves `wsgi:app` with gunicorn (N workers) on a
  free port of 127.0.0.1, and stops it. Several may serve one database (multi-host).
- `LiveClient(base_url)`: a cookie-keeping HTTP client that logs in through the real
  form, sends the CSRF token with every POST and never follows redirects, so a test
  sees each response's own status.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from tests.conftest import PG_ADMIN_DSN, ROOT, csrf_token_from, unavailable

SECRET_KEY = "live-test-secret-key-shared-by-every-worker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql"), dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'live.db'}"
        return
    with throwaway_postgres("herald_live") as (_, _, url):
        yield url


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[tuple[psycopg.Connection, str, str]]:
    """A new, empty PostgreSQL database: the admin connection, its name and its URL; it is
    dropped after, whoever is still connected (skips clearly without PostgreSQL)."""
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}".strip())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin, name, f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class LiveGunicorn:
    """gunicorn serving Herald on `database_url`; use as a context manager or start/stop."""

    def __init__(
        self,
        database_url: str,
        folder: Path,
        *,
        workers: int = 2,
        threads: int = 4,
        env: Mapping[str, str] | None = None,
    ):
        self.database_url = database_url
        self.folder = folder
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"gunicorn-{self.port}.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HERALD_", "REDIS_URL", "DATABASE_URL"))
        } | {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "SITE_URL": self.base_url,
            "HERALD_WORKER": "0",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run `flask --app wsgi ARGS` against this site's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env | dict(env or {}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def migrate(self) -> None:
        self.flask("db", "upgrade")

    def create_user(self, email: str, password: str, role: str = "manager") -> None:
        self.flask("create-admin", email, "--role", role, env={"HERALD_ADMIN_PASSWORD": password})

    def start(self, timeout: float = 60) -> LiveGunicorn:
        log = self.log_path.open("ab")
        command = [
            *(sys.executable, "-m", "gunicorn", "wsgi:app"),
            *("--bind", f"127.0.0.1:{self.port}"),
            *("--workers", str(self.workers), "--threads", str(self.threads)),
            *("--timeout", "60", "--graceful-timeout", "5"),
        ]
        # stdout to a file, never a pipe: a full pipe would stall the server mid-test.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        self._wait_until_serving(timeout)
        return self

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not serve within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self) -> LiveClient:
        return LiveClient(self.base_url)

    def __enter__(self) -> LiveGunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back to the caller as it is


class LiveClient:
    """One browser: its own cookies, the CSRF token of its session, no redirects followed."""

    def __init__(self, base_url: str, timeout: float = 90):
        self.base_url = base_url
        self.timeout = timeout
        self.csrf: str | None = None
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects()
        )

    def request(self, path: str, data: Mapping | None = None) -> Answer:
        body = None if data is None else urlencode(data, doseq=True).encode()
        try:
            with self._opener.open(self.base_url + path, data=body, timeout=self.timeout) as r:
                return Answer(r.status, dict(r.headers), r.read().decode(errors="replace"))
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, dict(exc.headers), exc.read().decode(errors="replace"))

    def get(self, path: str) -> Answer:
        return self.request(path)

    def post(self, path: str, data: Mapping | None = None) -> Answer:
        """POST a form with this session's CSRF token."""
        return self.request(path, {"csrf_token": self.csrf, **dict(data or {})})

    def login(self, email: str, password: str) -> LiveClient:
        self.csrf = csrf_token_from(self.get("/admin/login").text)
        answer = self.post("/admin/login", {"email": email, "password": password})
        assert answer.status == 302, f"login as {email} answered {answer.status}"
        # A login starts a new session with a new CSRF token: read it where login lands.
        self.csrf = csrf_token_from(self.get(_path(answer.location)).text)
        return self


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location) or "/"
