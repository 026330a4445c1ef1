"""Which cache generation is current: the page version, its change token, the clock.

The generation is the page version (bumped in the same transaction as every
visible change, paired with the time of that bump so a restored or reset
database never reuses an old key) plus a five-minute clock bucket — uptime
bars and "today" move with the clock even when nobody posts.

How a request learns the version without a database query
---------------------------------------------------------
A per-request SQL query costs more than the rest of a cached response, so
each process keeps a memo (change token, version) and asks the database only
when the token moved. The token is a random value rewritten after every
commit that bumped the version (`bump_version` flags the session; the
`after_commit` listener in state.py rewrites the token; flags from rolled-back
transactions are dropped). This module covers one host:

- SQLite without Redis: the token is a small file beside the database,
  replaced atomically (write + rename); reading it is three system calls
  (~4 µs). All workers on the host share the file, as they share the database.
- `CACHE_VERSION_CHECK = "database"`: no token; every request reads the
  version from the database.

With `REDIS_URL`, or on PostgreSQL, hosts share nothing on disk: push.py
tells every process of a change instead (Redis pub/sub or LISTEN/NOTIFY).

The memo reads the token *before* the database, so a change that lands in
between moves the token again and is picked up by the next request: the
token can make us re-read needlessly, never miss a change. A process trusts
its memo at most `CACHE_TRUST_SECONDS` (5 s) even when the token stands still,
which bounds staleness when a writer wrote to the database by hand. Token
errors fall back to the database (and skip the token for a second; logged
once when it begins and once when it ends).

Under TESTING the default check is "database": the test fixtures reset the
version with raw SQL, which no token follows. Tests of the token modes opt in.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models.page import PageSettings
from app.outage import Outage

CLOCK_BUCKET_SECONDS = 300
SETTINGS_ID = 1


def read_generation() -> str:
    """The page version and the time of its last bump, from the database."""
    row = db.session.execute(
        select(PageSettings.version, PageSettings.updated_at).where(PageSettings.id == SETTINGS_ID)
    ).first()
    if row is None:
        return "0"
    stamp = int(row.updated_at.timestamp() * 1000) if row.updated_at else 0
    return f"{row.version}-{stamp:x}"


def clock_bucket(now: float | None = None) -> int:
    """The five-minute bucket `now` falls in."""
    return int((now or time.time()) // CLOCK_BUCKET_SECONDS)


def cache_tag(generation: str, bucket: int) -> str:
    """The ETag (without quotes or encoding) of one generation in one clock bucket."""
    return f"{generation}.{bucket:x}"


# -- the change token ---------------------------------------------------------


class FileToken:
    """A token file beside the SQLite database, shared by every process on the host."""

    name = "version token file"

    def __init__(self, path: str):
        self.path = path

    def read(self) -> bytes:
        return read_small_file(self.path)

    def rewrite(self) -> None:
        replace_file(self.path, secrets.token_hex(16).encode())


def read_small_file(path: str, limit: int = 128) -> bytes:
    """A few bytes every request reads: three system calls, b"" when there is no file."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return b""
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def replace_file(path: str, data: bytes) -> None:
    """Write beside `path`, then rename over it: readers see the old bytes or the new."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


@dataclass(frozen=True, slots=True)
class _Memo:
    token: bytes
    generation: str
    checked_at: float


class VersionClock:
    """Answers "which generation is current?" with a token read instead of a query."""

    def __init__(self, token: FileToken | None, trust_seconds: float):
        self.token = token
        self.trust_seconds = trust_seconds
        # The generation last read from the database: what a client holding it still
        # has current when the database cannot be asked.
        self.last: str | None = None
        self._memo: _Memo | None = None
        self.token_outage = Outage(
            token.name if token else "version token",
            "reading the page version from the database on every request",
        )

    def generation(self, read: Callable[[], str] = read_generation) -> str:
        """The current page generation; `read` asks the database when the memo cannot."""
        if self.token is None or self.token_outage.skip():
            return self._read(read)
        now = time.monotonic()
        try:
            token = self.token.read()
        except Exception as exc:  # the disk failing must not fail the page
            self._token_failed(exc)
            return self._read(read)
        self.token_outage.succeeded()
        memo = self._memo
        if memo is not None and memo.token == token and now - memo.checked_at < self.trust_seconds:
            return memo.generation
        generation = self._read(read)
        self._memo = _Memo(token, generation, now)
        return generation

    def changed(self) -> None:
        """Tell every process (and this one at once) that the version moved."""
        self._memo = None
        if self.token is None:
            return
        try:
            self.token.rewrite()
        except Exception as exc:
            self._token_failed(exc)

    def _read(self, read: Callable[[], str]) -> str:
        generation = read()
        self.last = generation
        return generation

    def _token_failed(self, exc: Exception) -> None:
        self._memo = None
        self.token_outage.failed(exc)
