"""Whether subscriber notifications are getting out, for the admin dashboard's notices.

The same thresholds as /readyz (app/ops/readiness.py): a worker is stale when none beat
within READY_HEARTBEAT_SECONDS, the outbox lags when its oldest due item waited longer
than READY_OUTBOX_LAG_SECONDS. Dead letters are counted whatever their age: each one is
a notification somebody did not receive until an admin retries or accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.ops import outbox
from app.services import dead_letters, heartbeat


@dataclass(frozen=True)
class DeliveryHealth:
    dead: int  # deliveries dead-lettered, waiting for an admin
    mail_on: bool
    worker_never_ran: bool
    worker_silent_for: str | None  # time since the newest beat in words, when too long
    lag: str | None  # how long the oldest due outbox item waited in words, when too long


def check(now: datetime) -> DeliveryHealth:
    config = current_app.config
    window = float(config["READY_HEARTBEAT_SECONDS"])
    beats = heartbeat.liveness(timedelta(seconds=window), now=now)
    threshold = float(config["READY_OUTBOX_LAG_SECONDS"])
    lag = outbox.lag(now)
    return DeliveryHealth(
        dead=dead_letters.dead_count(),
        mail_on=bool(config.get("SMTP_URL")),
        worker_never_ran=beats.newest_age is None,
        worker_silent_for=_words(beats.newest_age) if beats.alive == 0 else None,
        lag=_words(lag) if lag > threshold else None,
    )


def _words(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 90:
        return f"{round(seconds)} seconds"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"
