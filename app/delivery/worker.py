"""The background worker: runs `tick` on a timer and delivers the outbox.

Embedded mode runs it as a thread inside the single web process; scale-out
runs `flask worker` processes. `tick` is idempotent and row-locked, so any
number of them may run.

Delivery wakes at once when a commit in the same process queued a
notification (app/delivery/queue.py), and otherwise polls the outbox every
`DELIVERY_POLL_SECONDS` (a `flask worker` process learns of the web's commits
that way). With `REDIS_URL`, `flask worker` runs RQ workers instead, and this
loop only ticks and sweeps: work that has waited `DELIVERY_SWEEP_SECONDS`
unclaimed is enqueued again, or delivered right here while Redis is down.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import exists, or_, select

from app.delivery import queue
from app.delivery.ledger import due
from app.delivery.send import run_pass, worker_name
from app.extensions import db
from app.mirror import job as mirror_job
from app.models import Notification, utcnow
from app.observability.jobs import observe_job
from app.services import alert_quiet, heartbeat, upstream
from app.services.maintenance import tick
from app.services.subscriptions import purge_unconfirmed

log = logging.getLogger("herald.worker")
SWEEP_SECONDS = 10.0
_THREAD = "herald.worker_thread"


def run_once(app: Flask) -> None:
    with app.app_context():
        try:
            with observe_job("tick") as report:  # one log line and a timing per tick
                beat()  # the heartbeat /readyz reads
                now = utcnow()
                result = tick(now)
                purged = purge_unconfirmed(now)
                fetched = upstream.poll_due(now)
                quiet = alert_quiet.resolve_quiet(now)
                report.update(
                    started=result.started,
                    completed=result.completed,
                    reminded=result.reminded,
                    purged=purged,
                    upstream=fetched,
                    auto_resolved=quiet,
                )
        finally:
            db.session.remove()


def beat() -> None:
    # The thread inside `flask serve` and a `flask worker` process tell themselves apart.
    name = "worker" if threading.current_thread() is threading.main_thread() else "embedded"
    heartbeat.beat(name)


def waiting(app: Flask, older_than: float = 0.0) -> bool:
    """Whether the outbox holds work due `older_than` seconds ago (a cheap read)."""
    with app.app_context():
        try:
            now = utcnow()
            cutoff = now - timedelta(seconds=older_than)
            query = select(
                or_(
                    exists().where(
                        Notification.fanned_out_at.is_(None), Notification.created_at <= cutoff
                    ),
                    exists().where(due(cutoff)),
                )
            )
            return bool(db.session.scalar(query))
        finally:
            db.session.remove()


def deliver(app: Flask, name: str, stop: threading.Event) -> None:
    """Delivery passes until the outbox holds nothing due (or a stop is asked)."""
    while not stop.is_set() and waiting(app):
        if not run_pass(app, name):
            return


def sweep(app: Flask, name: str, stop: threading.Event) -> None:
    """RQ mode: re-enqueue work nobody took; deliver it here while Redis is down."""
    threshold = float(app.config.get("DELIVERY_SWEEP_SECONDS", SWEEP_SECONDS))
    if waiting(app, older_than=threshold) and not queue.enqueue(app):
        deliver(app, name, stop)


def run_forever(app: Flask, stop: threading.Event, *, rq: bool = False) -> None:
    """The loop: tick every TICK_SECONDS, deliver (or, with `rq`, sweep), then wait."""
    interval = app.config["TICK_SECONDS"]
    mirror_job.start(app, stop)  # HERALD_PUBLISH_DIR: its own thread, never delays the tick
    poll = float(app.config.get("DELIVERY_POLL_SECONDS", 1.0))
    wake = queue.wake_event(app)
    name = worker_name()
    next_tick = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + interval
            try:
                run_once(app)
            except Exception:  # keep the loop alive; the next tick retries
                log.exception("tick failed; retrying in %ss", interval)
        try:
            (sweep if rq else deliver)(app, name, stop)
        except Exception:  # the rows stay due; the next round retries them
            log.exception("delivery failed; retrying in %ss", poll)
        wake.wait(min(poll, max(0.0, next_tick - time.monotonic())))
        wake.clear()


def start_thread(app: Flask) -> threading.Event:
    """Start the worker loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    queue.wake_event(app)  # from now on, commits in this process wake the thread
    thread = threading.Thread(
        target=run_forever, args=(app, stop), name="herald-worker", daemon=True
    )
    thread.start()
    app.extensions[_THREAD] = thread
    return stop


def stop_thread(app: Flask, stop: threading.Event, timeout: float = 30.0) -> None:
    """Ask the loop to end, wake it so it notices now, and wait for it."""
    stop.set()
    queue.wake_event(app).set()
    thread = app.extensions.pop(_THREAD, None)
    if thread is not None:
        thread.join(timeout)


def run_rq_worker(app: Flask, stop: threading.Event) -> None:
    """`flask worker` with REDIS_URL: RQ in this (main) thread, tick and sweep beside it."""
    from rq import SimpleWorker

    sidecar = threading.Thread(
        target=run_forever, args=(app, stop), kwargs={"rq": True}, name="herald-sweep", daemon=True
    )
    sidecar.start()
    try:
        while not stop.is_set():
            try:
                q = queue.rq_queue(app)
                SimpleWorker([q], connection=q.connection).work(with_scheduler=False)
                return  # a warm shutdown (Ctrl-C, SIGTERM)
            except Exception as exc:  # Redis went away: the sweep delivers meanwhile
                log.warning("RQ worker stopped (%s); reconnecting in 2 s", exc)
                stop.wait(2.0)
    finally:
        stop.set()
