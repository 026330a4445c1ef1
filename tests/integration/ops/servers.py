"""Real processes for the operator's tests: gunicorn as documented, `flask worker`, CLI runs.

Output goes to a file (never an unread pipe, which would block a chatty server).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

SECRET = "ops-test-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, **extra: str) -> dict:
    """The environment a deployed Herald would have, on `database_url`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HERALD_", "PROMETHEUS_"))
        and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env |= {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "HERALD_RATELIMIT": "0"}
    env |= extra
    return env


class Process:
    """A child process in its own session, its output in `log`."""

    def __init__(self, command: list[str], env: dict, log: Path):
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._out.close()


def flask(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` as an operator would; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_gunicorn(tmp_path: Path, env: dict, workers: int = 2) -> tuple[str, Process]:
    """gunicorn with the documented config (gunicorn.conf.py), on a free local port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "--threads",
        "2",
        "wsgi:app",
    ]
    process = Process(command, env, tmp_path / f"gunicorn-{port}.log")
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(base + "/healthz", process)
    return base, process


def start_worker(tmp_path: Path, env: dict) -> Process:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    return Process(command, env, tmp_path / f"worker-{time.monotonic_ns()}.log")


def wait_until_answering(url: str, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.alive():
            pytest.fail(f"the server exited early:\n{process.output()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s:\n{process.output()[-4000:]}")


def fetch(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def wait_for(condition, seconds: float = 30, every: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"{message} did not happen within {seconds} s")
