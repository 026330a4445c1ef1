"""Worker heartbeats: each background worker says it is alive; /readyz asks who is."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import WorkerHeartbeat, utcnow
from app.services.tx import transactional

# A row not rewritten for this long belongs to a worker that is gone for good.
FORGET_AFTER = timedelta(days=1)


@transactional
def beat(name: str, *, now: datetime | None = None) -> None:
    """Record that the worker `name` in this process is alive at `now`."""
    now = now or utcnow()
    host, pid = socket.gethostname()[:255], os.getpid()
    mine = (
        (WorkerHeartbeat.name == name)
        & (WorkerHeartbeat.host == host)
        & (WorkerHeartbeat.pid == pid)
    )
    if db.session.execute(update(WorkerHeartbeat).where(mine).values(beat_at=now)).rowcount == 0:
        db.session.add(WorkerHeartbeat(name=name, host=host, pid=pid, started_at=now, beat_at=now))
        # Only on a worker's first beat: restarted workers leave rows behind.
        db.session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER)
        )


@dataclass(frozen=True)
class Liveness:
    alive: int  # workers that beat within the window
    newest_age: float | None  # seconds since the newest beat; None: no worker ever beat


def liveness(window: timedelta, *, now: datetime | None = None) -> Liveness:
    """How many workers beat within `window`, and how long ago the newest one did."""
    now = now or utcnow()
    newest = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    alive = db.session.scalar(
        select(func.count())
        .select_from(WorkerHeartbeat)
        .where(WorkerHeartbeat.beat_at >= now - window)
    )
    age = None if newest is None else max(0.0, (now - newest).total_seconds())
    return Liveness(alive=alive or 0, newest_age=age)
