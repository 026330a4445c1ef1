"""A live Herald (gunicorn, 2 workers) per database, and the tools to race it.

One site per database for the whole session, shared by every race module: starting one
(two `flask` commands, gunicorn, the logins) costs more than most races. Each race makes
rows of its own and checks only those, so what an earlier race left does not matter.
Mind one thing left behind: test_two_factor_races.py turns on two-factor for MANAGERS[0]
and MANAGERS[1]; it runs last of the race modules on each site (file order), after the
password-only logins of `managers()` are made and kept.

The site is served from a throwaway SQLite file or PostgreSQL database, migrated with
`flask db upgrade`, with users made by `flask create-admin`. The test process reaches
the same database through its own app (`site.app`) to set the scene and to check the
invariants afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from app.extensions import db
from app.services import users
from tests.conftest import PASSWORD, make_app
from tests.live import Answer, LiveClient, LiveGunicorn, throwaway_database

MANAGERS = [f"manager{n}@example.com" for n in range(4)]
ADMINS = ["admin1@example.com", "admin2@example.com"]


@dataclass
class Tally:
    """Every answer the races got, by what was asked and by status."""

    database: str
    by_status: Counter = field(default_factory=Counter)
    by_test: dict[str, Counter] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, test: str, answer: Answer) -> None:
        with self.lock:
            self.by_status[answer.status] += 1
            self.by_test.setdefault(test, Counter())[answer.status] += 1

    def report(self) -> str:
        def line(counts: Counter) -> str:
            return ", ".join(f"{code}×{n}" for code, n in sorted(counts.items()))

        total = sum(self.by_status.values())
        lines = [f"races on {self.database}: {total} requests — {line(self.by_status)}"]
        lines += [f"  {name}: {line(counts)}" for name, counts in self.by_test.items()]
        return "\n".join(lines)


@dataclass
class LiveSite:
    server: LiveGunicorn
    app: object
    database: str
    tally: Tally
    _managers: list[LiveClient] = field(default_factory=list)
    _admins: dict[str, LiveClient] = field(default_factory=dict)

    def managers(self, count: int) -> list[LiveClient]:
        """`count` browsers, each logged in as one of the managers (kept for the session)."""
        while len(self._managers) < count:
            email = MANAGERS[len(self._managers) % len(MANAGERS)]
            self._managers.append(self.server.client().login(email, PASSWORD))
        return self._managers[:count]

    def admin(self, email: str) -> LiveClient:
        if email not in self._admins:
            self._admins[email] = self.server.client().login(email, PASSWORD)
        return self._admins[email]

    def race(self, name: str, calls: list[Callable[[], Answer | None]]) -> list[Answer | None]:
        """Run `calls` at the same moment, one thread each; their answers, tallied."""
        start = threading.Barrier(len(calls))

        def run(call):
            start.wait(timeout=60)
            return call()

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(run, calls))
        for answer in answers:
            if answer is not None:
                self.tally.add(name, answer)
        return answers


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    with throwaway_database(request.param, folder) as url:
        server = LiveGunicorn(url, folder, workers=2, threads=4)
        server.migrate()
        server.create_user(MANAGERS[0], PASSWORD, "manager")
        server.create_user(ADMINS[0], PASSWORD, "admin")
        app = make_app(url)
        with app.app_context():
            for email in MANAGERS[1:]:
                users.create_user(email=email, password=PASSWORD, role="manager", actor="test")
            for email in ADMINS[1:]:
                users.create_user(email=email, password=PASSWORD, role="admin", actor="test")
        tally = Tally(request.param)
        try:
            with server:
                yield LiveSite(server, app, request.param, tally)
        finally:
            print("\n" + tally.report())
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        # A traceback in the server log is a 500 somebody might not have counted.
        assert "Traceback" not in server.log(), server.log()[-5000:]
