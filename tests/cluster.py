"""Several Herald hosts on one machine: the multi-host test and bench/scaleout.py use this.

A host is its own gunicorn master (2 gthread workers, as in production) on
its own port, with its own temporary directory, so hosts share nothing on
disk: only PostgreSQL and Redis, as separate machines would. Workers are
`flask worker` processes (RQ workers when REDIS_URL is set).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import ROOT
from tests.integration.outage.conftest import Gunicorn

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Host(Gunicorn):
    """One web host: a gunicorn master, its port, its own /tmp."""

    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.name = name
        tmp = folder / name / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        super().__init__(env | {"TMPDIR": str(tmp)}, folder / name / "gunicorn.log")

    def version(self, path: str = "/") -> tuple[int, int]:
        """The status code and the page version this host served for `path`."""
        status, headers, _ = self.get(path)
        return status, version_of(headers.get("ETag", ""))

    def component_status(self, code: str) -> str:
        """What this host's public summary says of one component."""
        _, _, body = self.get("/api/v2/summary.json")
        return next(c["status"] for c in json.loads(body)["components"] if c["id"] == code)

    def api(self, method: str, path: str, token: str, body: dict) -> int:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, email: str, password: str) -> int:
        """The status of an admin log-in through the form, CSRF token and all."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        page = opener.open(self.base + "/admin/login", timeout=10).read().decode()
        form = {"email": email, "password": password, "csrf_token": _CSRF.search(page)[1]}
        try:
            with opener.open(
                self.base + "/admin/login", urllib.parse.urlencode(form).encode(), timeout=10
            ) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def kill(self) -> None:
        """The machine dies: master and workers at once, nothing shut down cleanly."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._out.close()


class Worker:
    """`flask worker`: RQ on Redis when REDIS_URL is set, else the outbox poll."""

    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.log = folder / f"{name}.log"
        self._out = open(self.log, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=os.environ | {"HERALD_ENV": "development", "SECRET_KEY": "gunicorn-test"} | env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def version_of(etag: str) -> int:
    """The page version inside one of Herald's ETags (`"<version>-<stamp>.<bucket>…"`)."""
    head = etag.strip('W/"').split("-", 1)[0]
    return int(head) if head.isdigit() else -1


def wait_for(predicate, limit: float, step: float = 0.002) -> float:
    """Seconds until `predicate()` holds; AssertionError after `limit`."""
    started = time.monotonic()
    while not predicate():
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"still not true after {elapsed:.2f} s"
        time.sleep(step)
    return time.monotonic() - started
