"""Versioned cache of rendered public output, shared by public/ and api/.

Every public GET view is wrapped in `public_cached`. Its ETag is the page
version (bumped in the same transaction as every visible change) plus a
five-minute clock bucket — uptime bars and "today" move with the clock even
when nobody posts. A conditional GET that matches costs one version lookup
and a 304; anything else is served from the render cache, so a traffic spike
costs one render per change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import Response, current_app, request

from app.services.page import current_version

CLOCK_BUCKET_SECONDS = 300
_MAX_ENTRIES = 2048


class LocalStore:
    """A small LRU in this process; entries keyed by version die out on their own."""

    def __init__(self, max_entries: int = _MAX_ENTRIES):
        self._data: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: tuple) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _store() -> LocalStore:
    store = current_app.extensions.get("herald_render_cache")
    if store is None:
        store = current_app.extensions.setdefault("herald_render_cache", LocalStore())
    return store


def version_tag(now: float | None = None) -> str:
    """The current cache generation: page version and clock bucket."""
    bucket = int((now or time.time()) // CLOCK_BUCKET_SECONDS)
    return f"{current_version()}.{bucket}"


def cache_control(max_age: int | None = None) -> str:
    max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    return (
        f"public, max-age={max_age}, stale-while-revalidate={max_age * 3}, "
        f"stale-if-error=86400"
    )


def public_cached(view=None, *, max_age: int | None = None):
    """Serve a GET view from the render cache, with ETag, Cache-Control and 304s.

    The view's output must depend only on the database and the URL (path and
    query string) — never on cookies or the visitor.
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            tag = version_tag()
            etag = f'"{tag}"'
            if request.if_none_match and request.if_none_match.contains_weak(tag):
                response = Response(status=304)
            else:
                key = f"{tag}|{request.path}|{request.query_string.decode('latin-1')}"
                store = _store()
                hit = store.get(key)
                if hit is None:
                    rendered = current_app.make_response(fn(*args, **kwargs))
                    if rendered.status_code != 200:
                        return rendered
                    hit = (rendered.get_data(), rendered.mimetype, dict(rendered.headers))
                    store.set(key, hit)
                body, mimetype, headers = hit
                response = Response(body, mimetype=mimetype)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "content-type"):
                        response.headers[name] = value
            response.headers["ETag"] = etag
            response.headers["Cache-Control"] = cache_control(max_age)
            response.vary.add("Accept-Encoding")
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
