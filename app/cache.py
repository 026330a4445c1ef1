"""Versioned cache of rendered public output, shared by public/ and api/.

Every public GET view is wrapped in `public_cached`. The cache generation is
the page version (bumped in the same transaction as every visible change,
paired with the time of that bump so a restored or reset database never
reuses an old key) plus a five-minute clock bucket — uptime bars and "today"
move with the clock even when nobody posts. The ETag is that generation; a
matching conditional GET is a 304 that renders nothing. Anything else is
served from the render cache (per process, plus Redis when `REDIS_URL` is
set), stored once per generation with its gzip and brotli variants, so a
traffic spike costs one render and one compression per change.

How a request learns the version without a database query
---------------------------------------------------------
A per-request SQL query costs more than the rest of a cached response, so
each process keeps a memo (change token, version) and asks the database only
when the token moved. The token is a random value rewritten after every
commit that bumped the version (`bump_version` flags the session; the
`after_commit` listener below rewrites the token; flags from rolled-back
transactions are dropped):

- `REDIS_URL` set: the token is one Redis key (a GET per request, ~70 µs):
  every gunicorn worker on every host sees a change on its next request.
- SQLite without Redis: the token is a small file beside the database,
  replaced atomically (write + rename); reading it is three system calls
  (~4 µs). All workers on the host share the file, as they share the database.
- PostgreSQL without Redis (or `CACHE_VERSION_CHECK = "database"`): hosts
  share nothing but the database, so every request reads the version there.

The memo reads the token *before* the database, so a change that lands in
between moves the token again and is picked up by the next request: the
token can make us re-read needlessly, never miss a change. A process trusts
its memo at most `CACHE_TRUST_SECONDS` (5 s) even when the token stands still,
which bounds staleness when a writer could not reach Redis or wrote to the
database by hand. Redis errors fall back to the database (and skip Redis for
a second, so an outage does not add a timeout to every request).

Under TESTING the default check is "database": the test fixtures reset the
version with raw SQL, which no token follows. Tests of the fast path opt in.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

import brotli
from flask import Flask, Response, current_app, has_app_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict

from app.extensions import db
from app.models.page import PageSettings

log = logging.getLogger("herald.cache")

CLOCK_BUCKET_SECONDS = 300
SETTINGS_ID = 1
_MAX_ENTRIES = 2048
_REDIS_ENTRY_TTL = 3600
_REDIS_RETRY_SECONDS = 1.0
_MIN_COMPRESS_BYTES = 256
_COMPRESSIBLE = ("text/", "application/json", "application/javascript", "+xml", "+json")
_DROPPED_HEADERS = {
    "content-length",
    "content-type",
    "content-encoding",
    "set-cookie",
    "etag",
    "vary",
    "cache-control",
}
_BUMPED = "herald.version_bumped"
_EXTENSION = "herald_cache"


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


# -- the change token ---------------------------------------------------------


class FileToken:
    """A token file beside the SQLite database, shared by every process on the host."""

    def __init__(self, path: str):
        self.path = path

    def read(self) -> bytes:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return b""
        try:
            return os.read(fd, 64)
        finally:
            os.close(fd)

    def rewrite(self) -> None:
        temporary = f"{self.path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(temporary, "wb") as out:
            out.write(secrets.token_hex(16).encode())
        os.replace(temporary, self.path)


class RedisToken:
    """A token in Redis, shared by every process on every host."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key

    def read(self) -> bytes:
        return self.client.get(self.key) or b""

    def rewrite(self) -> None:
        self.client.set(self.key, secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class _Memo:
    token: bytes
    generation: str
    checked_at: float


class VersionClock:
    """Answers "which generation is current?" with a token read instead of a query."""

    def __init__(self, token: FileToken | RedisToken | None, trust_seconds: float):
        self.token = token
        self.trust_seconds = trust_seconds
        self._memo: _Memo | None = None
        self._token_down_until = 0.0

    def generation(self) -> str:
        if self.token is None:
            return read_generation()
        now = time.monotonic()
        if now < self._token_down_until:
            return read_generation()
        try:
            token = self.token.read()
        except Exception as exc:  # Redis or the disk failing must not fail the page
            self._token_failed(exc, now)
            return read_generation()
        memo = self._memo
        if memo is not None and memo.token == token and now - memo.checked_at < self.trust_seconds:
            return memo.generation
        generation = read_generation()
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
            self._token_failed(exc, time.monotonic())

    def _token_failed(self, exc: Exception, now: float) -> None:
        self._memo = None
        self._token_down_until = now + _REDIS_RETRY_SECONDS
        log.warning("version token unavailable (%s); reading the database", exc)


def read_generation() -> str:
    """The page version and the time of its last bump, from the database."""
    row = db.session.execute(
        select(PageSettings.version, PageSettings.updated_at).where(PageSettings.id == SETTINGS_ID)
    ).first()
    if row is None:
        return "0"
    stamp = int(row.updated_at.timestamp() * 1000) if row.updated_at else 0
    return f"{row.version}-{stamp:x}"


# -- rendered entries -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One rendered 200 response: its type, extra headers and bodies per encoding."""

    content_type: str
    headers: tuple[tuple[str, str], ...]
    bodies: dict[str, bytes]

    def to_bytes(self) -> bytes:
        sizes = {name: len(body) for name, body in self.bodies.items()}
        head = json.dumps({"type": self.content_type, "headers": self.headers, "sizes": sizes})
        return head.encode() + b"\n" + b"".join(self.bodies.values())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Entry:
        head, _, rest = raw.partition(b"\n")
        meta = json.loads(head)
        bodies, offset = {}, 0
        for name, size in meta["sizes"].items():
            bodies[name] = rest[offset : offset + size]
            offset += size
        headers = tuple((k, v) for k, v in meta["headers"])
        return cls(meta["type"], headers, bodies)


def compress(body: bytes, content_type: str) -> dict[str, bytes]:
    """The identity body plus gzip and brotli variants when compressing pays."""
    bodies = {"identity": body}
    kind = content_type.split(";", 1)[0].strip().lower()
    if len(body) >= _MIN_COMPRESS_BYTES and any(part in kind for part in _COMPRESSIBLE):
        # Cheap levels: this runs inside the first request after a change.
        bodies["br"] = brotli.compress(body, quality=5)
        bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
    return bodies


class LocalStore:
    """A small LRU in this process; entries keyed by generation die out on their own."""

    def __init__(self, max_entries: int = _MAX_ENTRIES):
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> Entry | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: Entry) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class RedisStore:
    """Redis behind the local LRU: a render done on one host serves them all."""

    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix
        self.local = LocalStore()

    def get(self, key: str) -> Entry | None:
        entry = self.local.get(key)
        if entry is None:
            try:
                raw = self.client.get(self.prefix + key)
            except Exception as exc:
                log.warning("render cache in Redis unavailable: %s", exc)
                return None
            if raw is not None:
                entry = Entry.from_bytes(raw)
                self.local.set(key, entry)
        return entry

    def set(self, key: str, value: Entry) -> None:
        self.local.set(key, value)
        try:
            self.client.set(self.prefix + key, value.to_bytes(), ex=_REDIS_ENTRY_TTL, nx=True)
        except Exception as exc:
            log.warning("render cache in Redis unavailable: %s", exc)

    def clear(self) -> None:
        self.local.clear()


# -- per-app state ----------------------------------------------------------------


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

    def learn_args(self, endpoint: str, recorder: _ArgsRecorder) -> None:
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
    return _tag(state().clock.generation(), _bucket(now))


def _bucket(now: float | None = None) -> int:
    return int((now or time.time()) // CLOCK_BUCKET_SECONDS)


def _tag(generation: str, bucket: int) -> str:
    return f"{generation}.{bucket:x}"


def cache_control(max_age: int | None = None) -> str:
    max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    return f"public, max-age={max_age}, stale-while-revalidate={max_age * 3}, stale-if-error=86400"


# -- which part of the URL keys an entry -------------------------------------------


class _ArgsRecorder(ImmutableMultiDict):
    """`request.args` during a render, noting which arguments the view reads."""

    def __init__(self, args):
        super().__init__(args)
        self.read: set[str] = set()
        self.read_all = False

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def _everything(self, name):
        self.read_all = True
        return getattr(super(), name)

    def __iter__(self):
        return self._everything("__iter__")()

    def keys(self):
        return self._everything("keys")()

    def values(self):
        return self._everything("values")()

    def items(self, multi=False):
        return self._everything("items")(multi)

    def lists(self):
        return self._everything("lists")()

    def to_dict(self, flat=True):
        return self._everything("to_dict")(flat)

    def __len__(self):
        return self._everything("__len__")()


def _url_key(cache: CacheState, args) -> str:
    """The path plus only the query arguments the view reads.

    A view's output may depend on the query only through `request.args`.
    Until an endpoint has rendered once, and for views that read every
    argument, the whole query string is the key; after that, only the
    arguments renders have read. Cache busters (`/?_=1712345`) then share one
    entry instead of costing a render each. Sound because the arguments a
    render reads depend only on values already in the key.
    """
    names = cache.arg_names.get(request.endpoint, None)
    if request.endpoint not in cache.arg_names or names is None:
        return f"|{request.path}|?{request.query_string.decode('latin-1')}"
    values = urlencode([(name, value) for name in names for value in args.getlist(name)])
    return f"|{request.path}|{','.join(names)}|{values}"


# -- the decorator ----------------------------------------------------------------


def _etag(tag: str, encoding: str) -> str:
    return f'"{tag}"' if encoding == "identity" else f'"{tag}-{encoding}"'


def _matching_etag(tag: str) -> str | None:
    """The ETag the client already holds for this generation, in whichever encoding."""
    wanted = request.if_none_match
    for encoding in ("identity", "br", "gzip"):
        plain = tag if encoding == "identity" else f"{tag}-{encoding}"
        if wanted.contains_weak(plain):
            return _etag(tag, encoding)
    return None


def _choose_encoding(entry: Entry) -> str:
    if len(entry.bodies) == 1 or "Accept-Encoding" not in request.headers:
        return "identity"
    accepted = request.accept_encodings
    best, best_quality = "identity", 0.0
    for encoding in ("br", "gzip"):
        quality = accepted[encoding]
        if quality > best_quality:
            best, best_quality = encoding, quality
    return best


def _render(cache: CacheState, fn, args, kwargs) -> tuple[Entry | Response, str]:
    """Render the view; returns the entry (or an uncacheable response) and its URL key."""
    original = request.args
    recorder = _ArgsRecorder(original)
    request.args = recorder
    try:
        rendered = current_app.make_response(fn(*args, **kwargs))
    finally:
        request.args = original
    cache.learn_args(request.endpoint, recorder)
    url = _url_key(cache, original)
    if rendered.status_code != 200 or rendered.is_streamed:
        return rendered, url
    headers = [
        (name, value)
        for name, value in rendered.headers.items()
        if name.lower() not in _DROPPED_HEADERS
    ]
    rendered.vary.add("Accept-Encoding")
    headers.append(("Vary", rendered.headers["Vary"]))
    content_type = rendered.headers.get("Content-Type", "application/octet-stream")
    return Entry(content_type, tuple(headers), compress(rendered.get_data(), content_type)), url


def public_cached(view=None, *, max_age: int | None = None):
    """Serve a GET view from the render cache, with ETag, Cache-Control and 304s.

    The view's output must depend only on the database, the clock (to five
    minutes) and the URL (path and query string) — never on cookies or the
    visitor.
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return fn(*args, **kwargs)
            cache = state()
            generation, bucket = cache.clock.generation(), _bucket()
            tag = _tag(generation, bucket)
            control = cache_control(cache.max_age if max_age is None else max_age)
            held = _matching_etag(tag) if "If-None-Match" in request.headers else None
            if held is not None:
                response = Response(status=304)
                response.headers["ETag"] = held
                response.headers["Vary"] = "Accept-Encoding"
            else:
                url = _url_key(cache, request.args)
                entry = cache.store.get(tag + url)
                if entry is None:
                    entry, tag = _fill(
                        cache, tag, _tag(generation, bucket - 1), url, fn, args, kwargs
                    )
                    if isinstance(entry, Response):
                        return entry
                encoding = _choose_encoding(entry)
                response = Response(entry.bodies[encoding], content_type=entry.content_type)
                response.headers.extend(entry.headers)
                response.headers["ETag"] = _etag(tag, encoding)
                if encoding != "identity":
                    response.headers["Content-Encoding"] = encoding
            response.headers["Cache-Control"] = control
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


def _fill(cache: CacheState, tag: str, clock_stale_tag: str, url: str, fn, args, kwargs):
    """Render once per key in this process; returns the entry and the tag it belongs to.

    Concurrent requests for the key wait for that one render — except when
    only the clock bucket moved: the previous bucket's entry was rendered from
    the same page version, so they get it (under its own ETag) meanwhile.
    """
    key = tag + url
    lock = cache.render_lock(key)
    if not lock.acquire(blocking=False):
        older = cache.store.get(clock_stale_tag + url)
        if older is not None:
            return older, clock_stale_tag
        lock.acquire()
    try:
        entry = cache.store.get(key)
        if entry is None:
            entry, url = _render(cache, fn, args, kwargs)
            if isinstance(entry, Entry):
                cache.store.set(tag + url, entry)
        return entry, tag
    finally:
        lock.release()
        cache.release_lock(key)
