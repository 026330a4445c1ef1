"""Keeps HERALD_PUBLISH_DIR current: a loop in a thread of its own, beside the worker's.

After each change it re-publishes only what the change touched (update.publish_changes),
from the change log (changes.py); when it cannot know what changed (no mirror yet,
another version of Herald wrote it, the log's chain is broken) it publishes everything,
atomically. Its own thread, so a full publish at 100,000 incidents never holds up the
maintenance tick. Every five minutes (the render cache's clock bucket) it also refreshes
the page-wide documents, whose uptime bars and "today" move with the clock.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask

from app.cache import signal_change
from app.cache.version import clock_bucket
from app.extensions import db
from app.mirror import changes as change_log
from app.mirror.files import MARKER, Marker, lock
from app.mirror.publish import Result, build_of, publish_locked, report
from app.mirror.update import publish_changes

log = logging.getLogger("herald.publish")
POLL_SECONDS = 0.25
RETRY_SECONDS = 30.0
PRUNE_SECONDS = 600.0


class MirrorJob:
    """Brings one mirror directory up to the current page generation."""

    def __init__(self, app: Flask, directory: str | Path):
        self.app = app
        self.directory = Path(directory).resolve()
        self.build = build_of(app)
        self.published: str | None = None  # the generation last seen in the mirror
        self.refreshed: int | None = None  # the clock bucket last refreshed
        self.retry_at = 0.0
        self.pruned_at = 0.0

    def run_once(self) -> Result | None:
        """Publish what changed, if anything did; after a failure, wait before retrying."""
        if time.monotonic() < self.retry_at:
            return None
        try:
            return self._run()
        except Exception:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            raise

    def _run(self) -> Result | None:
        current = self._read(lambda: change_log.generation(db.session))
        if current == self.published and clock_bucket() == self.refreshed:
            return None
        with lock(self.directory, wait=False) as mine:
            if not mine:
                return None  # `flask publish` (or another worker) is at it
            return self._publish(current)

    def _publish(self, current: str) -> Result:
        bucket = clock_bucket()
        marker = Marker.load(self.directory) if (self.directory / MARKER).exists() else None
        if marker is None or marker.build != self.build:
            found = change_log.Changes(everything=True)
        else:
            found = self._read(lambda: change_log.since(db.session, marker.generation, current))
        if found.everything:
            result = publish_locked(self.app, self.directory)
        else:
            # This process may hold a render of an older version for a moment after a
            # commit elsewhere; it asks the database before rendering.
            signal_change(self.app)
            result = publish_changes(
                self.app,
                self.directory,
                marker,
                found,
                current,
                lambda: self._read(lambda: change_log.generation(db.session)) != current,
                # Back only to finish history pages a newer change interrupted.
                first_pass=not (found.nothing and bucket == self.refreshed),
            )
        self.refreshed = bucket
        # Left unfinished, the next run (at once) takes it up again.
        self.published = result.generation if result.complete else None
        if time.monotonic() - self.pruned_at > PRUNE_SECONDS:
            # A write: not after every change, to stay out of the writers' way on SQLite.
            self._read(lambda: change_log.prune(db.session, result.generation))
            self.pruned_at = time.monotonic()
        return result

    def _read(self, fn):
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    def run_forever(self, stop: threading.Event) -> None:
        poll = float(self.app.config.get("PUBLISH_POLL_SECONDS", POLL_SECONDS))
        while not stop.is_set():
            change_log.committed.clear()
            try:
                result = self.run_once()
            except Exception:  # the job backs off; the old mirror stays in place
                log.exception("publishing the static mirror failed; retrying in %ss", RETRY_SECONDS)
            else:
                if result is not None and (result.kind == "full" or result.files):
                    report(result, log.info)
                if result is not None and not result.complete:
                    continue  # a newer change first, then back to the history pages
            change_log.committed.wait(poll)


def start(app: Flask, stop: threading.Event) -> threading.Thread | None:
    """With HERALD_PUBLISH_DIR set, keep it current from a thread of its own."""
    if not app.config.get("PUBLISH_DIR"):
        return None
    job = MirrorJob(app, app.config["PUBLISH_DIR"])
    thread = threading.Thread(
        target=job.run_forever, args=(stop,), name="herald-mirror", daemon=True
    )
    thread.start()
    return thread
