"""Wakes the worker after a commit that queued a notification: a thread, or RQ on Redis.

Every process registers one after-commit hook (services/notifications.py
`on_commit`). It sets this app's wake-up event, which a worker thread in the
same process (`flask serve`, `flask worker` without Redis) waits on, and, with
`REDIS_URL`, enqueues an RQ job for the `flask worker` processes on any host.
Redis being down never fails the commit: the job is skipped (the outage is
logged once), and the workers' periodic sweep finds the rows anyway.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context

from app.outage import Outage
from app.services import notifications

log = logging.getLogger("herald.delivery")
_WAKE = "herald.worker_wake"
_REDIS = "herald.delivery_redis"
_OUTAGE = "herald.delivery_redis_outage"
JOB = "app.delivery.jobs.deliver"


def wake_event(app: Flask) -> threading.Event:
    """The event this app's worker loop waits on between polls."""
    return app.extensions.setdefault(_WAKE, threading.Event())


def queue_name(app: Flask) -> str:
    return app.config.get("RQ_QUEUE") or "herald-delivery"


def rq_queue(app: Flask):
    """The RQ queue on REDIS_URL, with short timeouts so an outage costs little."""
    import redis
    from rq import Queue

    connection = app.extensions.get(_REDIS)
    if connection is None:
        connection = app.extensions.setdefault(
            _REDIS,
            redis.Redis.from_url(
                app.config["REDIS_URL"], socket_timeout=0.5, socket_connect_timeout=0.5
            ),
        )
    return Queue(queue_name(app), connection=connection)


def _outage(app: Flask) -> Outage:
    return app.extensions.setdefault(
        _OUTAGE, Outage("redis (delivery queue)", "the worker's sweep delivers instead", 1.0)
    )


def enqueue(app: Flask) -> bool:
    """Ask the RQ workers for a delivery pass; False when Redis did not take the job."""
    import redis

    outage = _outage(app)
    if outage.skip():
        return False
    try:
        rq_queue(app).enqueue(JOB, result_ttl=0, failure_ttl=3600, job_timeout=600)
    except (redis.RedisError, OSError) as exc:
        outage.failed(exc)
        return False
    outage.succeeded()
    return True


def wake(app: Flask) -> None:
    """Deliver soon: wake this process's worker thread, and the RQ workers when configured."""
    event = app.extensions.get(_WAKE)
    if event is not None:
        event.set()
    if app.config.get("REDIS_URL"):
        enqueue(app)


def _after_commit() -> None:
    if has_app_context():
        wake(current_app._get_current_object())


notifications.on_commit(_after_commit)
