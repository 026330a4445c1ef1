"""The audit trail: who changed what."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User, utcnow

Actor = User | str | None


def actor_label(actor: Actor) -> str:
    if isinstance(actor, User):
        return actor.email
    return actor or "system"


def record(actor: Actor, action: str, target_type: str, target_id=None, **details) -> None:
    """Add an audit event to the current transaction (the caller commits)."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id if isinstance(actor, User) else None,
            actor_label=actor_label(actor),
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            details=details or None,
        )
    )


def last_done(target_type: str, target_id, actions: Iterable[str]) -> str:
    """When and by whom `target` last underwent one of `actions`, as words.

    "a moment ago by alice@example.com", "12 minutes ago by the scheduler"; empty
    when the log has no such event. Used to tell the loser of a race what happened.
    """
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.target_type == target_type,
            AuditEvent.target_id == str(target_id),
            AuditEvent.action.in_(list(actions)),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return ""
    who = {"scheduler": "the scheduler", "system": ""}.get(event.actor_label, event.actor_label)
    when = _ago(utcnow(), event.at)
    return f"{when} by {who}" if who else when


def _ago(now: datetime, then: datetime) -> str:
    seconds = (now - then).total_seconds()
    if seconds < 90:
        return "a moment ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours ago"
    return f"{round(seconds / 86400)} days ago"
