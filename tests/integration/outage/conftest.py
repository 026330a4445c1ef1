"""Real parts that fail on purpose: a private Redis server, a PostgreSQL database that
refuses connections, and gunicorn serving Herald from them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade

from app.extensions import db
from tests.conftest import ROOT, make_app, unavailable
from tests.live import throwaway_postgres


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """`redis-server` on a port of its own, with nothing saved to disk; stop and start at will."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1)


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


class RefusableDatabase:
    """A throwaway, migrated PostgreSQL database that can be told to refuse every connection."""

    def __init__(self, admin: psycopg.Connection, name: str, url: str):
        self.admin = admin
        self.name = name
        self.url = url

    def refuse(self) -> None:
        """New connections are refused and the open ones are cut, as when the server goes away."""
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (self.name,),
        )

    def allow(self) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture(scope="module")
def refusable_pg():
    with throwaway_postgres("herald_outage") as (admin, name, url):
        app = make_app(url)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        database = RefusableDatabase(admin, name, url)
        yield database
        database.allow()


class Gunicorn:
    """Herald under gunicorn with 2 workers, as in production; its log names the worker."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4"]
            + ["-b", f"127.0.0.1:{self.port}", "--access-logfile", "-"]
            + ["--access-logformat", "%(p)s %(s)s %(U)s"]
            # gunicorn's own logger: the repository's gunicorn.conf.py swaps in Herald's.
            + ["--logger-class", "gunicorn.glogging.Logger", "wsgi:app"],
            cwd=ROOT,
            env=os.environ | {"HERALD_ENV": "development", "SECRET_KEY": "gunicorn-test"} | env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{self.log.read_text()}")
            try:
                if self.get("/api/v2/status.json")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer within {seconds} s:\n{self.log.read_text()}")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def worker_pids(self, path: str) -> set[str]:
        """The workers whose access log shows a 200 for `path`."""
        lines = self.log.read_text(errors="replace").splitlines()
        return {line.split()[0] for line in lines if line.endswith(f" 200 {path}")}

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()
