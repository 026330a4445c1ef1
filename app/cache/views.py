"""`public_cached`: serve a public GET view from the render cache.

The ETag is the cache generation (see version.py); a matching conditional
GET is a 304 that renders nothing. Anything else is served from the store,
rendered once per generation and URL key. Each response also tells the WSGI
fast path (wsgi.py) what it served, so the next identical request can be
answered without Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, request

from app.cache import version
from app.cache.keys import ArgsRecorder, choose_encoding, etag, matching_etag, url_key
from app.cache.state import CacheState, state
from app.cache.store import Entry, compress
from app.observability.metrics import CACHE_LAYER, cache_hit, render_timer

# The view's own headers the cache keeps; these are set per response instead.
_DROPPED_HEADERS = {
    "content-length",
    "content-type",
    "content-encoding",
    "set-cookie",
    "etag",
    "vary",
    "cache-control",
}
SERVED = "herald.cache.served"


@dataclass(frozen=True, slots=True)
class Served:
    """Left in the WSGI environ: what `public_cached` answered, for the fast path to learn."""

    endpoint: str
    etag: str
    encoding: str
    entry: Entry | None  # None for a 304


def cache_control(max_age: int | None = None) -> str:
    max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    return f"public, max-age={max_age}, stale-while-revalidate={max_age * 3}, stale-if-error=86400"


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
            generation, bucket = cache.clock.generation(), version.clock_bucket()
            tag = version.cache_tag(generation, bucket)
            control = cache_control(cache.max_age if max_age is None else max_age)
            held = matching_etag(tag, request.headers.get("If-None-Match"))
            if held is not None:
                response = Response(status=304)
                response.headers["ETag"] = held[0]
                response.headers["Vary"] = "Accept-Encoding"
                served = Served(request.endpoint, held[0], held[1], None)
            else:
                url = _url_key(cache, request.args)
                entry = cache.store.get(tag + url)
                if entry is None:
                    stale_tag = version.cache_tag(generation, bucket - 1)
                    entry, tag = _fill(cache, tag, stale_tag, url, fn, args, kwargs)
                    if isinstance(entry, Response):
                        return entry
                encoding = choose_encoding(entry, request.headers.get("Accept-Encoding"))
                response = Response(entry.bodies[encoding], content_type=entry.content_type)
                response.headers.extend(entry.headers)
                response.headers["ETag"] = etag(tag, encoding)
                if encoding != "identity":
                    response.headers["Content-Encoding"] = encoding
                served = Served(request.endpoint, response.headers["ETag"], encoding, entry)
            response.headers["Cache-Control"] = control
            request.environ[SERVED] = served
            if request.environ.get(CACHE_LAYER) != "miss":  # metrics: served from the store
                cache_hit(request.environ, request.endpoint)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


def _url_key(cache: CacheState, args) -> str:
    return url_key(cache.arg_names, request.endpoint, request.path, request.query_string, args)


def _render(cache: CacheState, fn, args, kwargs) -> tuple[Entry | Response, str]:
    """Render the view; returns the entry (or an uncacheable response) and its URL key."""
    original = request.args
    recorder = ArgsRecorder(original)
    request.args = recorder
    try:
        with render_timer(request.environ, request.endpoint):  # metrics: a miss, timed
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
