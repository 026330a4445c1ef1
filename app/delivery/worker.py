"""The background worker: runs `tick` on a timer (and, later, deliveries).

Embedded mode runs it as a thread inside the single web process; scale-out
runs `flask worker` processes. `tick` is idempotent and row-locked, so any
number of them may run.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from app.extensions import db
from app.services.maintenance import tick

log = logging.getLogger("herald.worker")


def run_once(app: Flask) -> None:
    with app.app_context():
        try:
            result = tick()
            if result.changed:
                log.info("tick: started %s, completed %s", result.started, result.completed)
        finally:
            db.session.remove()


def run_forever(app: Flask, stop: threading.Event) -> None:
    interval = app.config["TICK_SECONDS"]
    while not stop.is_set():
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
