"""When a dependency (the database, Redis) stops answering: log once, back off, notice its return.

One `Outage` per dependency and process. Callers report each failure and
success; the outage logs when it begins and when it ends (never once per
request), and for `retry_seconds` after a failure tells callers not to ask
again, so a dead server costs one failed attempt a second, not a timeout on
every request.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("herald.outage")


class Outage:
    """The availability of one dependency in this process."""

    def __init__(self, name: str, consequence: str, retry_seconds: float = 1.0):
        self.name = name
        self.consequence = consequence
        self.retry_seconds = retry_seconds
        self.since: float | None = None  # wall-clock start of the current outage
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether the last attempt failed (the dependency has not answered since)."""
        return self.since is not None

    def skip(self) -> bool:
        """Whether to leave the dependency alone for now (it failed less than a retry ago)."""
        return self.since is not None and time.monotonic() < self._retry_at

    def failed(self, exc: BaseException) -> None:
        """An attempt failed: start the outage (logged once) and back off."""
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            if self.since is not None:
                return
            self.since = time.time()
        log.error("%s unavailable (%s); %s", self.name, _one_line(exc), self.consequence)

    def succeeded(self) -> None:
        """An attempt worked: end the outage, if there was one (logged once)."""
        if self.since is None:
            return
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            log.warning("%s available again after %.0f s", self.name, time.time() - since)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
