"""Keeps the static mirror current: the worker re-publishes after every change."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask

from app.cache.version import read_generation
from app.extensions import db
from app.publish import Result, publish, report

log = logging.getLogger("herald.publish")


class MirrorWatcher:
    """Re-publishes when the page version moved (and hourly, for clock-driven content)."""

    REFRESH_SECONDS = 3600
    RETRY_SECONDS = 60

    def __init__(self, app: Flask, directory: str | Path):
        self.app = app
        self.directory = Path(directory)
        self.published: str | None = None
        self.published_at = 0.0
        self.retry_at = 0.0

    def check(self) -> Result | None:
        """Publish if the version moved; after a failure, wait a minute before retrying."""
        if time.monotonic() < self.retry_at:
            return None
        try:
            return self._publish_if_stale()
        except Exception:
            self.retry_at = time.monotonic() + self.RETRY_SECONDS
            raise

    def _publish_if_stale(self) -> Result | None:
        with self.app.app_context():
            try:
                generation = read_generation()
            finally:
                db.session.remove()
        stale = time.monotonic() - self.published_at > self.REFRESH_SECONDS
        if generation == self.published and not stale:
            return None
        result = publish(self.app, self.directory)
        # The generation read before publishing: a change landing meanwhile
        # moves it again and is published on the next check.
        self.published, self.published_at = generation, time.monotonic()
        report(result, log.info)
        return result
