"""The audit trail: who changed what."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, User

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
