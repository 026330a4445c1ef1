"""Prometheus metrics of this process, and the hooks the rest of Herald calls.

prometheus_client chooses between single-process and multi-process mode when it
is first imported, from PROMETHEUS_MULTIPROC_DIR. gunicorn's config
(app/ops/gunicorn.py) and `flask serve` set that variable before forking, so
prometheus_client is imported here on first use — in a request or a worker job,
after the fork — and never when Herald is imported.

Label values are bounded: endpoints (not raw paths), a fixed set of methods,
status codes, cache layers, job names.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

ENDPOINT = "herald.endpoint"  # environ key: the endpoint that answered, for the request log
CACHE_LAYER = "herald.cache"  # environ key: which cache layer answered, if any
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_SECONDS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """The metric objects, with the labelled children cached (labels() takes a lock)."""

    def __init__(self):
        from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()  # `_created` series double the output and help no one here
        self.requests = Counter(
            "herald_http_requests",
            "HTTP requests answered, fast-path cache hits included.",
            ["endpoint", "method", "status"],
        )
        self.request_seconds = Histogram(
            "herald_http_request_duration_seconds",
            "Time from receiving a request to handing its response to the server.",
            ["endpoint"],
            buckets=_SECONDS,
        )
        self.cache = Counter(
            "herald_cache_responses",
            "Public responses by the cache layer that answered: fast_path (before Flask), "
            "decorator (a stored render or a 304, inside Flask) or miss (rendered).",
            ["layer", "endpoint"],
        )
        self.render_seconds = Histogram(
            "herald_render_duration_seconds",
            "Time to render a public page the render cache did not hold.",
            ["endpoint"],
            buckets=_SECONDS,
        )
        self.job_seconds = Histogram(
            "herald_worker_job_duration_seconds",
            "Duration of the background worker's jobs (tick, mirror, deliveries).",
            ["job"],
            buckets=_JOB_SECONDS,
        )
        self.job_failures = Counter(
            "herald_worker_job_failures", "Background worker jobs that raised.", ["job"]
        )
        self.login_failures = Counter(
            "herald_login_failures",
            "Failed admin log-ins: bad_credentials (wrong email or password) or throttled.",
            ["reason"],
        )
        self.processes = Gauge(
            "herald_processes",
            "Herald processes alive (web: gunicorn workers; worker: background workers).",
            ["role"],
            multiprocess_mode="livesum",
        )
        self._requests: dict[tuple[str, str, str], object] = {}
        self._durations: dict[str, object] = {}
        self._cache: dict[tuple[str, str], object] = {}
        self._roles: set[str] = set()

    def count_request(self, endpoint: str, method: str, status: str, seconds: float) -> None:
        key = (endpoint, method, status)
        child = self._requests.get(key)
        if child is None:
            method = method if method in _METHODS else "other"
            child = self._requests[key] = self.requests.labels(endpoint, method, status)
        child.inc()
        duration = self._durations.get(endpoint)
        if duration is None:
            duration = self._durations[endpoint] = self.request_seconds.labels(endpoint)
        duration.observe(seconds)

    def count_cache(self, layer: str, endpoint: str) -> None:
        key = (layer, endpoint)
        child = self._cache.get(key)
        if child is None:
            child = self._cache[key] = self.cache.labels(layer, endpoint)
        child.inc()

    def alive(self, role: str) -> None:
        """Count this process under `role` (once; gunicorn's child_exit forgets dead ones)."""
        if role not in self._roles:
            self._roles.add(role)
            self.processes.labels(role).set(1)


_metrics: Metrics | None = None
_guard = threading.Lock()


def metrics() -> Metrics:
    """This process's metrics, created on first use."""
    global _metrics
    if _metrics is None:
        with _guard:
            if _metrics is None:
                _metrics = Metrics()
    return _metrics


def fast_path_hit(environ: dict, endpoint: str) -> None:
    """The WSGI fast path answered: one counter increment (its child is cached)."""
    environ[ENDPOINT] = endpoint
    environ[CACHE_LAYER] = "fast_path"
    (_metrics or metrics()).count_cache("fast_path", endpoint)


def cache_hit(environ: dict, endpoint: str) -> None:
    """`public_cached` answered from the store (or with a 304) inside Flask."""
    environ[CACHE_LAYER] = "decorator"
    (_metrics or metrics()).count_cache("decorator", endpoint)


@contextmanager
def render_timer(environ: dict, endpoint: str):
    """Time one render of a page the cache did not hold."""
    environ[CACHE_LAYER] = "miss"
    started = time.perf_counter()
    try:
        yield
    finally:
        found = _metrics or metrics()
        found.count_cache("miss", endpoint)
        found.render_seconds.labels(endpoint).observe(time.perf_counter() - started)


def login_failed(reason: str) -> None:
    metrics().login_failures.labels(reason).inc()


def render_latest(extra_collectors=()) -> tuple[bytes, str]:
    """The exposition text of every process (multi-process mode) or this one, plus extras."""
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    metrics()  # the families exist (at zero) before anything was counted
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Everything(REGISTRY))
    for collector in extra_collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Everything:
    """Exposes another registry's metrics through this one."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()
