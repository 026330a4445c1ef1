"""The background worker's jobs: one log line and one timing per job."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from app.observability import logs
from app.observability.metrics import metrics

log = logging.getLogger("herald.worker")


@contextmanager
def observe_job(job: str, *, quiet: bool = False):
    """Time a job and log one line when it ends (its outcome, duration and the fields the
    caller put in the yielded dict). `quiet` jobs log only when they did something
    (fields set) or failed: an idle tick every few seconds is not news."""
    fields: dict = {}
    found = metrics()
    found.alive("worker")
    started = time.perf_counter()
    try:
        yield fields
    except Exception:
        seconds = time.perf_counter() - started
        found.job_seconds.labels(job).observe(seconds)
        found.job_failures.labels(job).inc()
        logs.event(log, "job failed", logging.ERROR, job=job, duration_ms=round(seconds * 1000, 1))
        raise
    seconds = time.perf_counter() - started
    found.job_seconds.labels(job).observe(seconds)
    if fields or not quiet:
        logs.event(
            log, "job", job=job, outcome="ok", duration_ms=round(seconds * 1000, 1), **fields
        )
