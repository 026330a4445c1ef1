"""Every request: a request id, a count and a duration in the metrics, one log line.

`RequestObserver` is the outermost WSGI middleware, so it sees the requests the
cache's fast path answers before Flask as well as Flask's. The request id comes
from a trusted `X-Request-Id` (behind HERALD_PROXY_HOPS proxies, or with
HERALD_TRUST_REQUEST_ID=1) when it looks like one, else it is made here; it goes
back out as `X-Request-Id` and into every log line of the request.

What a line holds is what an operator needs to follow a request and no more:
the path with secret-looking URL arguments blanked, the names of query
arguments but only `page`'s value (links carry signed tokens), never a header,
cookie or body.
"""

from __future__ import annotations

import logging
import os
import re
import time
from urllib.parse import parse_qsl

from flask import Flask, request

from app.observability import logs
from app.observability.metrics import CACHE_LAYER, ENDPOINT, metrics

log = logging.getLogger("herald.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_PATH = "herald.log_path"
_QUERY = "herald.log_query"
# Query arguments whose values are logged; every other one is logged by name only.
SHOWN_QUERY_VALUES = frozenset({"page"})
# URL arguments (view_args) whose values are blanked in the logged path.
_SECRET_ARGS = re.compile(r"token|secret|signature|key", re.IGNORECASE)
# Health checks and scrapes answer every few seconds; logged only when they fail.
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})
# Set by the static mirror's fetches (app/mirror): not visitors' requests, so neither
# logged nor counted (a full publish would otherwise log 200,000 lines). A WSGI key no
# HTTP request can set.
UNOBSERVED = "herald.unobserved"


class RequestObserver:
    """WSGI middleware: request id in and out, then metrics and the log line."""

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        self.trust_id = app.config["TRUST_REQUEST_ID"]
        self.access_log = app.config["ACCESS_LOG"]
        self.announced = False

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = self._request_id(environ)
        environ[logs.REQUEST_ID] = request_id
        sent = []

        def identified_start_response(status, headers, exc_info=None):
            # A new list: the fast path keeps the one it is given as the shape of later answers.
            headers = [*headers, ("X-Request-Id", request_id)]
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, identified_start_response)
        except BaseException:
            sent[:] = ["500 INTERNAL SERVER ERROR", []]
            raise
        finally:
            try:
                self._observe(environ, sent, time.perf_counter() - started)
            except Exception:  # a broken log or metric must not break the answer
                log.exception("could not record a request")

    def _request_id(self, environ) -> str:
        offered = environ.get("HTTP_X_REQUEST_ID") if self.trust_id else None
        if offered and _VALID_ID.match(offered):
            return offered
        return os.urandom(16).hex()

    def _observe(self, environ, sent, seconds: float) -> None:
        if environ.get(UNOBSERVED):
            return
        found = metrics()
        if not self.announced:
            self.announced = True
            found.alive("web")
        status = sent[0][:3] if sent else "500"
        endpoint = environ.get(ENDPOINT) or "none"
        method = environ.get("REQUEST_METHOD", "")
        found.count_request(endpoint, method, status, seconds)
        if not self.access_log or (endpoint in QUIET_ENDPOINTS and status == "200"):
            return
        line = {
            "level": "error" if status >= "500" else "info",
            "logger": "herald.access",
            "msg": "request",
            "method": method[:16],
            "endpoint": endpoint,
            "path": environ.get(_PATH) or environ.get("PATH_INFO", ""),
            "query": environ.get(_QUERY) or _query_for_log(environ.get("QUERY_STRING", "")),
            "status": int(status),
            "duration_ms": round(seconds * 1000, 3),
            "request_id": environ[logs.REQUEST_ID],
            "remote_addr": environ.get("REMOTE_ADDR"),
        }
        if layer := environ.get(CACHE_LAYER):
            line["cache"] = layer
        length = _content_length(sent)
        if length is not None:
            line["bytes"] = length
        logs.write_line(line)


def _content_length(sent) -> int | None:
    if not sent:
        return None
    for name, value in sent[1]:
        if name.lower() == "content-length":
            return int(value) if value.isdigit() else None
    return None


def _query_for_log(query: str) -> str:
    if not query:
        return ""
    parts = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        parts.append(f"{name}={value}" if name in SHOWN_QUERY_VALUES else name)
    return "&".join(parts)


def _note_request():
    """Flask's side: which endpoint answered, and the path with secrets blanked."""
    environ = request.environ
    environ[ENDPOINT] = request.endpoint or "none"
    path = request.path
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and value and _SECRET_ARGS.search(name):
            path = path.replace(value, "[redacted]")
    environ[_PATH] = path


def init_app(app: Flask) -> None:
    """Note the endpoint of each request Flask answers, then wrap the whole WSGI app."""
    from flask import request_started

    request_started.connect(lambda sender, **extra: _note_request(), app, weak=False)
    app.wsgi_app = RequestObserver(app, app.wsgi_app)
