"""The background worker: runs `tick` on a timer (and, later, deliveries).

Embedded mode runs it as a thread inside the single web process; scale-out
runs `flask worker` processes. `tick` is idempotent and row-locked, so any
number of them may run.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.extensions import db
from app.mirror import job as mirror_job
from app.observability.jobs import observe_job
from app.services import heartbeat
from app.services.maintenance import tick

log = logging.getLogger("herald.worker")


def run_once(app: Flask) -> None:
    with app.app_context():
        try:
            with observe_job("tick") as report:  # one log line and a timing per tick
                beat()  # the heartbeat /readyz reads
                result = tick()
                report.update(started=result.started, completed=result.completed)
        finally:
            db.session.remove()


def beat() -> None:
    # The thread inside `flask serve` and a `flask worker` process tell themselves apart.
    name = "worker" if threading.current_thread() is threading.main_thread() else "embedded"
    heartbeat.beat(name)


def run_forever(app: Flask, stop: threading.Event) -> None:
    interval = app.config["TICK_SECONDS"]
    mirror_job.start(app, stop)  # HERALD_PUBLISH_DIR: its own thread, never delays the tick
    next_tick = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + interval
            try:
                run_once(app)
            except Exception:  # keep the loop alive; the next tick retries
                log.exception("tick failed; retrying in %ss", interval)
        stop.wait(interval)


def start_thread(app: Flask) -> threading.Event:
    """Start the worker loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(app, stop), name="herald-worker", daemon=True
    )
    thread.start()
    return stop
