"""/readyz's checks: database (and schema), Redis, a live worker, the outbox's lag.

Each check returns what it found; HERALD_READY_CHECKS names the ones that
decide the status code (all four by default). Every check is bounded in time:
a PostgreSQL statement timeout, Redis socket timeouts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import RESOURCES
from app.extensions import db
from app.models import utcnow
from app.ops import outbox
from app.services import heartbeat

STATEMENT_TIMEOUT_MS = 2000
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    data: dict = field(default_factory=dict)
    counts: bool = True
    ms: float = 0.0

    def as_json(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, "ms": round(self.ms, 1), **self.data}


def run_checks(app: Flask) -> list[Check]:
    """Every check, in order; the database's failure skips the checks that need it."""
    counted = {name.strip() for name in app.config["READY_CHECKS"].split(",") if name.strip()}
    checks = [_timed("database", _database)]
    checks.append(_timed("redis", _redis))
    if checks[0].ok:
        checks.append(_timed("worker", _worker))
        checks.append(_timed("outbox", _outbox))
    else:
        skipped = "not checked: the database is unreachable"
        checks += [Check("worker", False, skipped), Check("outbox", False, skipped)]
    db.session.rollback()
    for check in checks:
        check.counts = check.name in counted
    return checks


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        ok, detail, data = probe()
    except SQLAlchemyError as exc:
        db.session.rollback()
        ok, detail, data = False, f"database error: {exc.__class__.__name__}", {}
    check = Check(name, ok, detail, data)
    check.ms = (time.perf_counter() - started) * 1000
    return check


def _database():
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
    db.session.execute(text("SELECT 1"))
    if not db.inspect(db.session.connection()).has_table("alembic_version"):
        return False, "no schema: run `flask db upgrade`", {}
    applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    heads, known = _revisions()
    data = {"schema": sorted(applied)}
    if applied == heads:
        return True, "reachable, schema up to date", data
    if applied <= known:
        wanted = ", ".join(sorted(heads))
        return False, f"schema is behind this code (needs {wanted}): run `flask db upgrade`", data
    # A newer release migrated the database while this one still runs (a rolling deploy).
    return True, "reachable, schema newer than this code", data


@cache
def _revisions() -> tuple[set[str], set[str]]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(RESOURCES / "migrations"))
    script = ScriptDirectory.from_config(config)
    return set(script.get_heads()), {rev.revision for rev in script.walk_revisions()}


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return True, "not configured", {}
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return False, f"unreachable: {exc.__class__.__name__}", {}
    finally:
        client.close()
    return True, "reachable", {}


def _worker():
    window = current_app.config["READY_HEARTBEAT_SECONDS"]
    found = heartbeat.liveness(timedelta(seconds=window))
    data = {"alive": found.alive, "last_beat_seconds_ago": _rounded(found.newest_age)}
    if found.newest_age is None:
        return False, "no worker has ever run: start `flask worker`", data
    if found.alive == 0:
        return False, f"no worker beat in the last {window:g} s", data
    return True, f"{found.alive} alive", data


def _outbox():
    if not outbox.present():
        return True, "no outbox", {}
    now = utcnow()
    threshold = current_app.config["READY_OUTBOX_LAG_SECONDS"]
    lag = outbox.lag(now)
    data = {"lag_seconds": _rounded(lag), "threshold_seconds": threshold, **outbox.depth(now)}
    if lag > threshold:
        return False, f"oldest waiting item is {lag:.0f} s old (threshold {threshold:g} s)", data
    return True, "keeping up", data


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
