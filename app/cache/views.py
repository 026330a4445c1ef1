"""`public_cached`: serve a public GET view from the render cache.

The ETag is the cache generation (see version.py); a matching conditional
GET is a 304 that renders nothing. Anything else is served from the store,
rendered once per generation and URL key (the path and the query arguments
the view declares, parsed: see args.py). Each fresh response also tells the
WSGI fast path (wsgi.py) what it served, so the next identical request can be
answered without Flask.

When the database cannot be asked (refused connections, a locked or
unreadable SQLite file), the entry outlives its generation: the last good
render is served with `Warning: 110` and its `Age`, a client already holding
the last known generation gets its 304, and only a URL this process never
rendered answers 503. The outage is logged once (app/outage.py), and the
database is tried again a second later, so the site recovers by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps

from flask import Response, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from app import database
from app.cache import version
from app.cache.args import BadArgument, Parser, QueryArgs, Value
from app.cache.keys import choose_encoding, etag, etag_of_generation, matching_etag
from app.cache.state import CacheState, state
from app.cache.store import Entry, compress
from app.extensions import db
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
STALE_WARNING = '110 - "Response is Stale"'


@dataclass(frozen=True, slots=True)
class Served:
    """Left in the WSGI environ: what `public_cached` answered, for the fast path to learn."""

    endpoint: str
    query: QueryArgs
    etag: str
    encoding: str
    entry: Entry | None  # None for a 304


@dataclass(frozen=True, slots=True)
class _View:
    """One cached view: its function, its query arguments, and the parsed values of a request."""

    fn: Callable
    query: QueryArgs
    values: Mapping[str, Value]
    args: tuple
    kwargs: dict


def cache_control(max_age: int | None = None) -> str:
    max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    return f"public, max-age={max_age}, stale-while-revalidate={max_age * 3}, stale-if-error=86400"


def public_cached(view=None, *, args: Mapping[str, Parser] | None = None, max_age=None):
    """Serve a GET view from the render cache, with ETag, Cache-Control and 304s.

    `args` declares the query arguments the view reads, each with its parser
    (args.py); the view is called with their parsed values as keyword
    arguments and sees nothing else of the query string. Its output must
    depend only on the database, the clock (to five minutes), the path and
    those values — never on cookies or the visitor.
    """
    query = QueryArgs.declare(args)

    def decorator(fn):
        @wraps(fn)
        def wrapper(*a, **kw):
            try:
                values = query.parse(request.args.get)
            except BadArgument as exc:
                abort(400, description=str(exc))
            target = _View(fn, query, values, a, kw)
            if request.method not in ("GET", "HEAD"):
                return _call(target)
            cache = state()
            response = _answer(cache, target, query.key(request.path, values))
            if response.status_code in (200, 304):
                response.headers["Cache-Control"] = cache_control(
                    cache.max_age if max_age is None else max_age
                )
                if request.environ.get(CACHE_LAYER) != "miss":  # metrics: from the store
                    cache_hit(request.environ, request.endpoint)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


def _answer(cache: CacheState, target: _View, url: str) -> Response:
    """The fresh answer, or the last good one while the database cannot be asked."""
    if cache.database.skip():
        return _stale(cache, url)
    try:
        return _fresh(cache, target, url)
    except Exception as exc:
        if not database.unavailable(exc):
            raise
        cache.database.failed(exc)
        _discard_session()
        return _stale(cache, url)


def _fresh(cache: CacheState, target: _View, url: str) -> Response:
    generation, bucket = cache.generation(), version.clock_bucket()
    tag = version.cache_tag(generation, bucket)
    held = matching_etag(tag, request.headers.get("If-None-Match"))
    if held is not None:
        response = _not_modified(held[0])
        _served(target.query, held[0], held[1], None)
        return response
    entry = cache.store.get(url, tag)
    if entry is None or entry.tag != tag:
        previous = version.cache_tag(generation, bucket - 1)
        entry = _fill(cache, target, url, tag, previous, entry)
        if isinstance(entry, Response):
            return entry
    response = _full(entry)
    _served(target.query, response.headers["ETag"], _encoding(response), entry)
    return response


def _fill(cache: CacheState, target: _View, url: str, tag: str, previous: str, held):
    """Render once per key in this process; returns the entry (or the view's non-200 response).

    Concurrent requests for the key wait for that one render — except when
    only the clock bucket moved: the previous bucket's entry was rendered from
    the same page version, so they get it (under its own ETag) meanwhile.
    """
    key = tag + url
    lock = cache.render_lock(key)
    if not lock.acquire(blocking=False):
        if held is not None and held.tag == previous:
            return held
        lock.acquire()
    try:
        entry = cache.store.get(url, tag)
        if entry is not None and entry.tag == tag:
            return entry
        rendered = _render(target)
        if isinstance(rendered, Response):
            return rendered
        entry = Entry(tag, time.time(), *rendered)
        if _storable(cache, target, tag):
            cache.store.set(url, entry)
        return entry
    finally:
        lock.release()
        cache.release_lock(key)


def _render(target: _View):
    """The view's response; for a 200, its content type, kept headers and bodies instead."""
    with render_timer(request.environ, request.endpoint):  # metrics: a miss, timed
        rendered = current_app.make_response(_call(target))
    if rendered.status_code != 200 or rendered.is_streamed:
        return rendered
    headers = [
        (name, value)
        for name, value in rendered.headers.items()
        if name.lower() not in _DROPPED_HEADERS
    ]
    rendered.vary.add("Accept-Encoding")
    headers.append(("Vary", rendered.headers["Vary"]))
    content_type = rendered.headers.get("Content-Type", "application/octet-stream")
    return content_type, tuple(headers), compress(rendered.get_data(), content_type)


def _call(target: _View):
    """Call the view with its parsed arguments; during the call `request.args` holds only those,
    canonical, so nothing the key leaves out can change the output."""
    original = request.args
    request.args = ImmutableMultiDict(target.query.canonical(target.values))
    try:
        return target.fn(*target.args, **target.kwargs, **target.values)
    finally:
        request.args = original


def _storable(cache: CacheState, target: _View, tag: str) -> bool:
    """Whether each free-text value is among the few this process caches per generation."""
    return all(
        target.values[name] is None
        or cache.admits(request.endpoint, name, target.values[name], parser.distinct, tag)
        for name, parser in target.query.free_text
    )


def _stale(cache: CacheState, url: str) -> Response:
    """The last good answer for `url`, marked stale; 503 when this process has none."""
    entry = cache.store.get(url)
    if_none_match = request.headers.get("If-None-Match")
    held = matching_etag(entry.tag, if_none_match) if entry is not None else None
    if held is not None:
        response = _not_modified(held[0])
    elif cache.clock.last and (current := etag_of_generation(cache.clock.last, if_none_match)):
        response = _not_modified(current)
    elif entry is not None:
        response = _full(entry)
    else:
        raise database.DatabaseUnavailable()
    if entry is not None:
        response.headers["Age"] = str(max(0, int(time.time() - entry.stored_at)))
    response.headers["Warning"] = STALE_WARNING
    return response


def _full(entry: Entry) -> Response:
    encoding = choose_encoding(entry, request.headers.get("Accept-Encoding"))
    response = Response(entry.bodies[encoding], content_type=entry.content_type)
    response.headers.extend(entry.headers)
    response.headers["ETag"] = etag(entry.tag, encoding)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    return response


def _not_modified(held_etag: str) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = held_etag
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _encoding(response: Response) -> str:
    return response.headers.get("Content-Encoding", "identity")


def _served(query: QueryArgs, sent_etag: str, encoding: str, entry: Entry | None) -> None:
    request.environ[SERVED] = Served(request.endpoint, query, sent_etag, encoding, entry)


def _discard_session() -> None:
    """Drop the failed transaction, so the rest of the request starts clean."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing left to roll back
        db.session.remove()
