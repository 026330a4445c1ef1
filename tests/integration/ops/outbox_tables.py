"""Outbox rows for the operator's tests, written with the columns /readyz and /metrics read.

This branch predates the outbox (`notification`, `delivery`, from the subscriptions
work): when the tables are missing, the tests make minimal ones with those columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, text

from app.extensions import db
from app.models.types import UTCDateTime

_TIME = UTCDateTime()


def ensure_outbox() -> None:
    inspector = inspect(db.session.connection())
    if inspector.has_table("notification"):
        return
    stamp = "TIMESTAMP WITH TIME ZONE" if db.engine.dialect.name == "postgresql" else "DATETIME"
    db.session.execute(
        text(
            "CREATE TABLE notification (id INTEGER PRIMARY KEY, "
            f"created_at {stamp} NOT NULL, fanned_out_at {stamp})"
        )
    )
    db.session.execute(
        text(
            "CREATE TABLE delivery (id INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL "
            f"REFERENCES notification (id), state VARCHAR(16) NOT NULL, next_attempt_at {stamp} "
            f"NOT NULL, sent_at {stamp})"
        )
    )
    db.session.commit()


def _bind(value: datetime | None):
    return _TIME.process_bind_param(value, db.engine.dialect)


_ids = {"notification": 0, "delivery": 0}


def _next_id(table: str) -> int:
    current = db.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))  # noqa: S608
    return int(current) + 1


def add_notification(*, created_at: datetime, fanned_out: bool) -> int:
    new_id = _next_id("notification")
    db.session.execute(
        text("INSERT INTO notification (id, created_at, fanned_out_at) VALUES (:id, :at, :out)"),
        {"id": new_id, "at": _bind(created_at), "out": _bind(created_at) if fanned_out else None},
    )
    return new_id


def add_delivery(notification_id: int, *, state: str, next_attempt_at: datetime, sent_at=None):
    db.session.execute(
        text(
            "INSERT INTO delivery (id, notification_id, state, next_attempt_at, sent_at) "
            "VALUES (:id, :n, :state, :next, :sent)"
        ),
        {
            "id": _next_id("delivery"),
            "n": notification_id,
            "state": state,
            "next": _bind(next_attempt_at),
            "sent": _bind(sent_at),
        },
    )
