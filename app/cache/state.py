"""Per-app cache state (clock, store, render locks, learned query arguments).

Created on first use in each process — after gunicorn forks — so no worker
inherits another's Redis connection or locks. Also where a commit that bumped
the page version tells every process to move on.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.cache.keys import ArgsRecorder
from app.cache.store import LocalStore, RedisStore
from app.cache.version import (
    FileToken,
    RedisToken,
    VersionClock,
    cache_tag,
    clock_bucket,
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
        token = None
        if check != "database":
            if redis_client is not None:
                token = RedisToken(redis_client, prefix + "version-token")
            elif path := _token_path(config):
                token = FileToken(path)
        self.clock = VersionClock(token, float(config.get("CACHE_TRUST_SECONDS", 5)))
        self.store = RedisStore(redis_client, prefix + "render:") if redis_client else LocalStore()
        self.max_age = int(config["CACHE_MAX_AGE"])
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # Per endpoint: the query arguments its renders have read (None: all of them).
        self.arg_names: dict[str, tuple[str, ...] | None] = {}

    def render_lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def release_lock(self, key: str) -> None:
        with self._locks_guard:
            self._locks.pop(key, None)

    def learn_args(self, endpoint: str, recorder: ArgsRecorder) -> None:
        """Add what one render read to what the endpoint's renders read (sets only grow)."""
        with self._locks_guard:
            known = self.arg_names.get(endpoint, ())
            if known is None or recorder.read_all:
                self.arg_names[endpoint] = None
            else:
                self.arg_names[endpoint] = tuple(sorted(set(known) | recorder.read))


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)


def _token_path(config) -> str | None:
    if path := config.get("CACHE_VERSION_FILE"):
        return path
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return None
    database = uri.split("sqlite:///", 1)[1].split("?", 1)[0]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + ".version"


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
    return cache_tag(state().clock.generation(), clock_bucket(now))


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
