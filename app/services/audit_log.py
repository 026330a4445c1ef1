"""Reading the audit trail: pages of events, newest first, filtered by action and actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import AuditEvent, Component, ComponentGroup, Incident, Subscriber, User

# The first word of every action the services record, as the log's filter offers them.
ACTION_GROUPS = {
    "incident": "Incidents",
    "update": "Incident updates",
    "maintenance": "Maintenance",
    "component": "Components",
    "group": "Component groups",
    "user": "Users and logins",
    "settings": "Page settings",
    "subscriber": "Subscribers",
    "delivery": "Deliveries to subscribers",
    "token": "API tokens",
    "alert": "Monitoring alerts",
}


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEvent]
    page: int
    pages: int
    total: int
    # (target_type, target_id) of the targets on this page that still exist, with what
    # they are now: "incident", "maintenance", "component", "group", "user" or "subscriber".
    live_targets: dict[tuple[str, str], str] = field(default_factory=dict)


def _filtered(query: Select, action_prefix: str | None, actor: str | None) -> Select:
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if actor:
        query = query.where(AuditEvent.actor_label == actor)
    return query


def page_of_events(
    page: int, per_page: int = 50, action_prefix: str | None = None, actor: str | None = None
) -> AuditPage:
    """Events newest first. `page` ≥ 1 (views check); beyond the end gives no items.

    `action_prefix` such as "incident." keeps one kind of action; `actor` keeps the
    events of one actor label (an email, or "system", "scheduler"…).
    """
    total = (
        db.session.scalar(_filtered(select(func.count(AuditEvent.id)), action_prefix, actor)) or 0
    )
    items = list(
        db.session.scalars(
            _filtered(select(AuditEvent), action_prefix, actor)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return AuditPage(
        items=items,
        page=page,
        pages=max(1, -(-total // per_page)),
        total=total,
        live_targets=_live_targets(items),
    )


def _ids(items: list[AuditEvent], target_type: str) -> set[int]:
    return {
        int(e.target_id)
        for e in items
        if e.target_type == target_type and e.target_id and e.target_id.isdigit()
    }


def _live_targets(items: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """Which targets of these events still exist: one query per kind of target."""
    live: dict[tuple[str, str], str] = {}
    incident_ids = _ids(items, "incident")
    if incident_ids:
        rows = db.session.execute(
            select(Incident.id, Incident.kind).where(Incident.id.in_(incident_ids))
        )
        for incident_id, kind in rows:
            live["incident", str(incident_id)] = str(kind)
    for target_type, model in (
        ("component", Component),
        ("group", ComponentGroup),
        ("user", User),
        ("subscriber", Subscriber),
    ):
        ids = _ids(items, target_type)
        if ids:
            for found in db.session.scalars(select(model.id).where(model.id.in_(ids))):
                live[target_type, str(found)] = target_type
    return live


def actor_suggestions() -> list[str]:
    """Actor labels to offer in the filter: today's users, then the automatic actors."""
    emails = list(db.session.scalars(select(User.email).order_by(User.email)))
    return [*emails, "scheduler", "system"]
