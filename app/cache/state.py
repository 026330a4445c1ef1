"""Per-app cache state (clock, store, render locks, free-text admission).

Created on first use in each process — after gunicorn forks — so no worker
inherits another's Redis connection or locks. Also where a commit that bumped
the page version tells every process to move on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import database
from app.cache.board import HostBoard
from app.cache.push import (
    DEFAULT_RECHECK_SECONDS,
    PostgresNotices,
    PushedClock,
    RedisNotices,
    Watcher,
    default_board_path,
    nothing_to_publish,
    notices_outage,
    redis_publisher,
)
from app.cache.store import (
    DEFAULT_MAX_BYTES,
    DEFAULT_REDIS_MAX_ENTRY_BYTES,
    DEFAULT_REDIS_TTL,
    LocalStore,
    RedisStore,
)
from app.cache.version import (
    FileToken,
    VersionClock,
    cache_tag,
    clock_bucket,
    read_generation,
)
from app.extensions import db

_EXTENSION = "herald_cache"
_BUMPED = "herald.version_bumped"


class CacheState:
    """What one app (in one process) needs: the clock, the store, render locks."""

    def __init__(self, app: Flask):
        config = app.config
        prefix = config.get("CACHE_KEY_PREFIX", "herald:")
        check = config.get("CACHE_VERSION_CHECK") or ("database" if config["TESTING"] else "auto")
        redis_client = _redis_client(config["REDIS_URL"]) if config.get("REDIS_URL") else None
        self.watcher: Watcher | None = None
        self.clock: VersionClock | PushedClock = self._clock(app, check, prefix, redis_client)
        max_bytes = int(config.get("CACHE_MAX_BYTES", DEFAULT_MAX_BYTES))
        if redis_client is None:
            self.store: LocalStore | RedisStore = LocalStore(max_bytes)
        else:
            self.store = RedisStore(
                redis_client,
                prefix + "render:",
                max_bytes,
                ttl=int(config.get("CACHE_REDIS_TTL", DEFAULT_REDIS_TTL)),
                max_entry_bytes=int(
                    config.get("CACHE_REDIS_MAX_ENTRY_BYTES", DEFAULT_REDIS_MAX_ENTRY_BYTES)
                ),
            )
        self.max_age = int(config["CACHE_MAX_AGE"])
        self.database = database.outage(app)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # Per (endpoint, free-text argument): the tag and the values cached under it.
        self._admitted: dict[tuple[str, str], tuple[str, set]] = {}

    def close(self, wait: float = 30) -> None:
        """Stop the watcher and close the Redis connections (an app shut down in-process)."""
        if self.watcher is not None:
            self.watcher.stop(wait=wait)
        client = getattr(self.store, "client", None)
        if client is not None:
            client.close()

    def _clock(self, app: Flask, check: str, prefix: str, redis_client):
        """How this process learns the page version (version.py and push.py explain each)."""
        config = app.config
        uri = config["SQLALCHEMY_DATABASE_URI"]
        if check == "database":
            return VersionClock(None, float(config.get("CACHE_TRUST_SECONDS", 5)))
        if redis_client is None and not uri.startswith("postgresql"):
            token = FileToken(path) if (path := _token_path(config)) else None
            return VersionClock(token, float(config.get("CACHE_TRUST_SECONDS", 5)))
        recheck = float(config.get("CACHE_RECHECK_SECONDS") or DEFAULT_RECHECK_SECONDS)
        board = HostBoard(config.get("CACHE_BOARD_FILE") or default_board_path(uri, prefix))
        if redis_client is not None:
            channel = prefix + "version-changed"
            notices = RedisNotices(config["REDIS_URL"], channel)
            outage = notices_outage(notices.name, recheck)
            clock = PushedClock(board, recheck, redis_publisher(redis_client, channel, outage))
        else:
            notices = PostgresNotices(libpq_dsn(uri))
            outage = notices_outage(notices.name, recheck)
            clock = PushedClock(board, recheck, nothing_to_publish)
        self.watcher = Watcher(app, clock, notices, recheck, outage)
        self.watcher.start()
        return clock

    def generation(self, read: Callable[[], str] = read_generation) -> str:
        """The current page generation; a database outage is recorded, then re-raised."""
        return self.clock.generation(lambda: self._checked(read))

    def _checked(self, read: Callable[[], str]) -> str:
        try:
            generation = read()
        except Exception as exc:
            if database.unavailable(exc):
                self.database.failed(exc)
            raise
        self.database.succeeded()
        return generation

    def render_lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def release_lock(self, key: str) -> None:
        with self._locks_guard:
            self._locks.pop(key, None)

    def admits(self, endpoint: str, name: str, value: str, limit: int, tag: str) -> bool:
        """Whether a render for this free-text value may be stored (first `limit` per tag)."""
        with self._locks_guard:
            seen = self._admitted.get((endpoint, name))
            if seen is None or seen[0] != tag:
                seen = self._admitted[(endpoint, name)] = (tag, set())
            values = seen[1]
            if value in values:
                return True
            if len(values) >= limit:
                return False
            values.add(value)
            return True


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)


def libpq_dsn(uri: str) -> str:
    """The database URL as libpq reads it (without SQLAlchemy's driver name)."""
    from sqlalchemy.engine import make_url

    return make_url(uri).set(drivername="postgresql").render_as_string(hide_password=False)


def _token_path(config) -> str | None:
    if path := config.get("CACHE_VERSION_FILE"):
        return path
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return None
    database_path = uri.split("sqlite:///", 1)[1].split("?", 1)[0]
    if not database_path or database_path == ":memory:" or database_path.startswith("file:"):
        return None
    return database_path + ".version"


_state_guard = threading.Lock()


def state(app: Flask | None = None) -> CacheState:
    """This app's cache state, created on first use (after gunicorn forks)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        with _state_guard:
            found = app.extensions.get(_EXTENSION) or CacheState(app)
            app.extensions[_EXTENSION] = found
    return found


def signal_change(app: Flask | None = None) -> None:
    """The version moved: every process serves the next request from the new one."""
    state(app).clock.changed()


def version_tag(now: float | None = None) -> str:
    """The current cache generation: page version and clock bucket."""
    return cache_tag(state().generation(), clock_bucket(now))


def mark_version_bumped(session: Session | None = None) -> None:
    """Called by `bump_version`: rewrite the change token once this transaction commits."""
    (session or db.session).info[_BUMPED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit; only the outer commit is visible.
    if session.in_nested_transaction() or not session.info.pop(_BUMPED, False):
        return
    if has_app_context():
        signal_change()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_BUMPED, None)
