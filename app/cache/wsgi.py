"""The fast path: repeat cache hits answered in front of Flask.

A cached response costs ~20 µs; Flask's request machinery around it (request
context, session, Flask-Login, CSRF, security headers, CORS) costs ten times
that. This WSGI middleware answers GET and HEAD requests that
`public_cached` would answer from the store, without running Flask, and with
the very bytes Flask would send.

It learns rather than re-derives. When Flask answers a request through
`public_cached` (the decorator leaves a `Served` note in the environ), the
middleware records the final status line and headers — everything every
hook added — as a *shape* for that place (method, scheme, host, script
name, raw path) and variant (encoding, or a 304 per encoding), with the
ETag and Content-Length left as blanks. A shape does not depend on the
generation, so it outlives changes; the entry does, and is looked up on
every request exactly as the decorator would: the same generation check
(version.py), the same URL key over the query arguments the view declares,
parsed by the same parsers (args.py), the same encoding choice, in the same
store (so in Redis mode an entry rendered by another process serves here
too). A shape is only used with an entry whose content type and headers
match the ones it was learned with. Places are kept in an LRU of bounded
size, and identical shapes are shared between places, so URLs made up by a
crawler cost a bounded amount of memory.

Anything else goes to Flask unchanged: other methods, requests with a
cookie (Flask-Login or the session may answer those with Set-Cookie), a NUL
byte in the path or query (Flask refuses those with a 400), places and
variants no `public_cached` response has been seen for (so never an admin
page), a query value its parser refuses (Flask answers 400), a missing or
older entry (Flask renders it, or serves the previous clock bucket while
another thread renders), a database outage (Flask serves the last good render,
marked stale), and any error here.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Flask
from werkzeug.wrappers import Request

from app.cache import version
from app.cache.args import QueryArgs
from app.cache.keys import choose_encoding, etag, matching_etag
from app.cache.state import state
from app.cache.views import SERVED, Served
from app.observability.metrics import fast_path_hit

log = logging.getLogger("herald.cache")

MAX_PLACES = 2048
_MAX_SHAPES = 512


@dataclass(frozen=True, slots=True)
class Shape:
    """A response Flask sent, with the ETag and Content-Length values left blank."""

    status: str
    headers: tuple[tuple[str, str], ...]
    etag_at: int
    length_at: int | None  # None for a 304, which carries no length
    content_type: str | None  # the entry's, for a 200
    entry_headers: tuple[tuple[str, str], ...] | None

    def fill(self, etag_value: str, length: int | None = None) -> list[tuple[str, str]]:
        headers = list(self.headers)
        headers[self.etag_at] = (headers[self.etag_at][0], etag_value)
        if self.length_at is not None:
            headers[self.length_at] = (headers[self.length_at][0], str(length))
        return headers


@dataclass(slots=True)
class Place:
    """One URL as the server handed it to us, and the shapes seen for it."""

    endpoint: str
    path: str  # as Flask's request.path reads it (percent-decoded, one leading slash)
    query: QueryArgs
    shapes: dict[str, Shape] = field(default_factory=dict)


class FastPath:
    """WSGI middleware answering `public_cached` hits without running Flask."""

    def __init__(self, app: Flask, wsgi_app, max_places: int = MAX_PLACES):
        self.app = app
        self.wsgi_app = wsgi_app
        self.max_places = max_places
        self.places: OrderedDict[tuple[str, ...], Place] = OrderedDict()
        self._shapes: dict[Shape, Shape] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop every learned shape: the next request for each place runs Flask again."""
        with self._lock:
            self.places = OrderedDict()
            self._shapes = {}

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if (method != "GET" and method != "HEAD") or "HTTP_COOKIE" in environ:
            return self.wsgi_app(environ, start_response)
        key = (
            method,
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
        )
        place = self.places.get(key)
        if place is not None:
            try:
                self.places.move_to_end(key)
                answer = self._answer(place, environ)
            except Exception:  # whatever failed here, Flask answers (or reports) it
                log.debug("fast path gave way to Flask", exc_info=True)
                answer = None
            if answer is not None:
                status, headers, body = answer
                fast_path_hit(environ, place.endpoint)  # metrics: one counter increment
                start_response(status, headers)
                return [body] if method == "GET" else []
        return self._learn(key, environ, start_response)

    def _answer(self, place: Place, environ) -> tuple[str, list, bytes] | None:
        """The status, headers and body Flask would send, or None to let Flask decide."""
        query = environ.get("QUERY_STRING", "")
        if "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query:
            return None
        cache = state(self.app)
        if cache.database.skip():
            return None
        values = {}
        if place.query.parsers:  # parsed first, as Flask does: a bad value is Flask's 400
            values = place.query.parse(Request(environ).args.get if query else _absent)
        generation = cache.generation(self._read_generation)
        tag = version.cache_tag(generation, version.clock_bucket())
        held = matching_etag(tag, environ.get("HTTP_IF_NONE_MATCH"))
        if held is not None:
            shape = place.shapes.get("304 " + held[1])
            return None if shape is None else (shape.status, shape.fill(held[0]), b"")
        entry = cache.store.get(place.query.key(place.path, values), tag)
        if entry is None or entry.tag != tag:
            return None
        encoding = choose_encoding(entry, environ.get("HTTP_ACCEPT_ENCODING"))
        shape = place.shapes.get(encoding)
        if (
            shape is None
            or shape.content_type != entry.content_type
            or shape.entry_headers != entry.headers
        ):
            return None
        body = entry.bodies[encoding]
        return shape.status, shape.fill(etag(tag, encoding), len(body)), body

    def _read_generation(self) -> str:
        with self.app.app_context():
            return version.read_generation()

    def _learn(self, key: tuple[str, ...], environ, start_response):
        """Let Flask answer; when `public_cached` did, remember the shape of what went out."""
        sent: list = []

        def recording_start_response(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, recording_start_response)
        served = environ.get(SERVED)
        if served is None or not sent:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        try:
            self._remember(key, environ, served, sent[0], sent[1], body)
        except Exception:
            log.debug("fast path could not learn a response", exc_info=True)
        return [body]

    def _remember(self, key, environ, served: Served, status, headers, body: bytes) -> None:
        shape = _shape(served, status, headers, body, head=key[0] == "HEAD")
        if shape is None:
            return
        variant = served.encoding if served.entry is not None else "304 " + served.encoding
        with self._lock:
            place = self.places.get(key)
            if place is None or place.endpoint != served.endpoint:
                place = Place(served.endpoint, Request(environ).path, served.query)
                self.places[key] = place
                while len(self.places) > self.max_places:
                    # The least recently used place costs one Flask request to learn again.
                    self.places.popitem(last=False)
            place.shapes[variant] = self._shared(shape)

    def _shared(self, shape: Shape) -> Shape:
        """One object per distinct shape: thousands of places mostly send the same headers."""
        if len(self._shapes) >= _MAX_SHAPES:
            self._shapes = {}
        return self._shapes.setdefault(shape, shape)


def _absent(name: str) -> None:
    return None


def _shape(served: Served, status: str, headers, body: bytes, head: bool) -> Shape | None:
    """The shape of one response Flask sent, or None when it is not what the cache served."""
    names = [name.lower() for name, _ in headers]
    if "set-cookie" in names or names.count("etag") != 1:
        return None
    etag_at = names.index("etag")
    if headers[etag_at][1] != served.etag:
        return None
    if served.entry is None:
        if not status.startswith("304 ") or body:
            return None
        return Shape(status, tuple(headers), etag_at, None, None, None)
    expected = served.entry.bodies[served.encoding]
    if not status.startswith("200 ") or names.count("content-length") != 1:
        return None
    length_at = names.index("content-length")
    if headers[length_at][1] != str(len(expected)) or body != (b"" if head else expected):
        return None
    entry = served.entry
    return Shape(status, tuple(headers), etag_at, length_at, entry.content_type, entry.headers)
