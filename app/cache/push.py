"""Scale-out freshness: every process is told of a change instead of asking per request.

On several hosts (PostgreSQL, with or without Redis) asking for the page
version on every request costs more than serving the cached page: a Redis
GET or a database query per hit. Instead each process runs a watcher thread
that waits for a change notice and then reads the generation once:

- `REDIS_URL` set: Redis pub/sub. The process that commits a change publishes
  on `<prefix>version-changed` right after the commit.
- PostgreSQL without Redis: `LISTEN herald_version`. `bump_version` sends the
  NOTIFY inside the changing transaction, so PostgreSQL delivers it exactly
  when the change becomes visible, and never for a rolled-back one.

The watcher also re-reads the generation every `CACHE_RECHECK_SECONDS`
(2 s by default) whether told or not: a lost notice, a Redis outage or a
hand edit of the database delays freshness by at most that period. While
the notice channel is down it reconnects every second and keeps re-checking.

What a watcher reads goes to the host board (board.py), and every request
reads the board: one small file, as cheap as the embedded mode's token file,
and the reason a host never serves an older generation after a newer one.
A board nobody has fed for three re-check periods (watchers gone) is not
trusted: requests then read the database themselves and feed it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable

from flask import Flask

from app.cache.board import HostBoard, Record, now_ns
from app.cache.version import read_generation
from app.outage import Outage

log = logging.getLogger("herald.cache")

PG_CHANNEL = "herald_version"
DEFAULT_RECHECK_SECONDS = 2.0
_RECONNECT_SECONDS = 1.0
_SLICE_SECONDS = 0.25


class PushedClock:
    """Answers "which generation is current?" from the host board."""

    def __init__(self, board: HostBoard, recheck_seconds: float, publish: Callable[[], None]):
        self.board = board
        self.trusted_ns = int(3 * recheck_seconds * 1e9)
        self.publish = publish
        # The generation last read (here or by another process on the host): what a client
        # holding it still has current when the database cannot be asked.
        self.last: str | None = None
        self._memo: tuple[bytes, Record | None] = (b"", None)
        self.token_outage = Outage(
            "host version board", "reading the page version from the database on every request"
        )

    def generation(self, read: Callable[[], str] = read_generation) -> str:
        """The current page generation; `read` asks the database when the board cannot."""
        if self.token_outage.skip():
            return self._remember(read())
        try:
            raw = self.board.read()
        except OSError as exc:
            self.token_outage.failed(exc)
            return self._remember(read())
        memo = self._memo
        record = memo[1] if memo[0] == raw else self._parse(raw)
        if record is not None and now_ns() - record.read_at < self.trusted_ns:
            self.last = record.generation
            return record.generation
        return self.refresh(read)

    def refresh(self, read: Callable[[], str] = read_generation) -> str:
        """Read the generation from the database and offer it to the board."""
        started = now_ns()
        generation = read()
        try:
            generation = self.board.offer(generation, started).generation
        except OSError as exc:
            self.token_outage.failed(exc)
        else:
            self.token_outage.succeeded()
        return self._remember(generation)

    def changed(self) -> None:
        """A change was committed here: this host asks again, the other hosts are told."""
        self.distrust()
        self.publish()

    def distrust(self) -> None:
        """The database could not be read: nobody on this host may vouch for the board."""
        try:
            self.board.mark_stale()
        except OSError as exc:
            self.token_outage.failed(exc)

    def _parse(self, raw: bytes) -> Record | None:
        record = Record.parse(raw) if raw else None
        self._memo = (raw, record)
        return record

    def _remember(self, generation: str) -> str:
        self.last = generation
        return generation


class RedisNotices:
    """Change notices over Redis pub/sub."""

    name = "Redis (change notices)"

    def __init__(self, url: str, channel: str):
        self.url = url
        self.channel = channel
        self._client = None
        self._pubsub = None

    def connect(self) -> None:
        import redis

        self._client = redis.Redis.from_url(
            self.url, socket_connect_timeout=1, socket_keepalive=True, health_check_interval=5
        )
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(self.channel)

    def wait(self, timeout: float) -> bool:
        """Whether a notice arrived (those queued behind it are taken too) within `timeout`."""
        if self._pubsub.get_message(timeout=timeout) is None:
            return False
        while self._pubsub.get_message(timeout=0) is not None:
            pass
        return True

    def close(self) -> None:
        for closable in (self._pubsub, self._client):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # already broken: nothing left to release
                    log.debug("closing a broken Redis connection", exc_info=True)
        self._client = self._pubsub = None


class PostgresNotices:
    """Change notices over PostgreSQL LISTEN/NOTIFY (psycopg 3)."""

    name = "PostgreSQL (change notices)"

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._connection = None

    def connect(self) -> None:
        import psycopg

        self._connection = psycopg.connect(
            self.dsn, autocommit=True, connect_timeout=2, keepalives=1, keepalives_idle=10
        )
        self._connection.execute(f"LISTEN {PG_CHANNEL}")

    def wait(self, timeout: float) -> bool:
        if not any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1)):
            return False
        for _ in self._connection.notifies(timeout=0.0):
            pass
        return True

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("closing a broken PostgreSQL connection", exc_info=True)
        self._connection = None


class Watcher:
    """A daemon thread: wait for a notice or the re-check period, then read and offer."""

    def __init__(
        self, app: Flask, clock: PushedClock, notices, recheck_seconds: float, outage: Outage
    ):
        self.app = app
        self.clock = clock
        self.notices = notices
        self.recheck_seconds = recheck_seconds
        self.outage = outage
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="herald-version-watcher", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 0) -> None:
        """Stop after the current wait; no database or Redis access follows this call."""
        self._stop.set()
        if wait:
            self._thread.join(timeout=wait)
            if not self._thread.is_alive():
                self.notices.close()  # closing twice is harmless; never left to the collector

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.notices.connect()
                self.outage.succeeded()
                while not self._stop.is_set():
                    self._recheck()  # first of all whatever changed while we were away
                    self._wait()
            except Exception as exc:
                if self._stop.is_set():
                    break  # the connection was cut as the app was shut down
                self.outage.failed(exc)
                self.notices.close()
                if not self._stop.wait(_RECONNECT_SECONDS):
                    self._recheck()
        self.notices.close()

    def _wait(self) -> None:
        """Until a notice, the re-check period, or stop(): in short slices, so stop() is prompt."""
        deadline = time.monotonic() + self.recheck_seconds
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self.notices.wait(min(left, _SLICE_SECONDS)):
                return

    def _recheck(self) -> None:
        if self._stop.is_set():
            return
        try:
            with self.app.app_context():
                self.clock.refresh()
        except Exception:  # the database's own outage is noticed and logged by requests
            log.debug("the version watcher could not read the page version", exc_info=True)
            # Requests then ask the database themselves, find it down, and say so (stale).
            self.clock.distrust()


def default_board_path(database_uri: str, prefix: str) -> str:
    """One board per database and key prefix, in this host's temporary directory."""
    digest = hashlib.sha256(f"{database_uri}\0{prefix}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"herald-{digest}.version-board")


def notices_outage(name: str, recheck_seconds: float) -> Outage:
    """One per process for the notice channel, shared by its publisher and its watcher."""
    return Outage(name, f"every host re-reads the page version every {recheck_seconds:g} s")


def redis_publisher(client, channel: str, outage: Outage) -> Callable[[], None]:
    def publish() -> None:
        if outage.skip():
            return
        try:
            client.publish(channel, b"1")
        except Exception as exc:
            outage.failed(exc)
        else:
            outage.succeeded()

    return publish


def nothing_to_publish() -> None:
    """PostgreSQL delivers the NOTIFY `bump_version` sent inside the transaction."""
