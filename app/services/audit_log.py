"""Reading the audit trail: pages of events, newest first, filtered by action and actor;
the same selection as CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    Subscriber,
    User,
)
from app.services import audit, csv_export
from app.services.tx import transactional

# The first word of every action the services record, as the log's filter offers them.
ACTION_GROUPS = {
    "incident": "Incidents",
    "update": "Incident updates",
    "maintenance": "Maintenance",
    "component": "Components",
    "group": "Component groups",
    "user": "Users and logins",
    "two_factor": "Two-factor login",
    "settings": "Page settings",
    "subscriber": "Subscribers",
    "delivery": "Deliveries to subscribers",
    "token": "API tokens",
    "alert": "Monitoring alerts",
    "template": "Incident templates",
    "audit": "Audit log exports",
}
EXPORT_BATCH = 500
EXPORT_COLUMNS = ["time", "actor", "action", "target type", "target id", "details"]


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
        ("incident_template", IncidentTemplate),
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


def export_csv(action_prefix: str | None = None, actor: str | None = None) -> Iterator[str]:
    """The events `page_of_events` would show, newest first, as CSV lines.

    Read in batches keyed on the id, so memory stays flat however long the log; nothing is
    read until the first line is asked for (the view checks the filters before that).
    """
    return csv_export.lines(EXPORT_COLUMNS, _export_batches(action_prefix, actor))


_EXPORTED = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.actor_label,
    AuditEvent.action,
    AuditEvent.target_type,
    AuditEvent.target_id,
    AuditEvent.details,
)


def _export_batches(action_prefix: str | None, actor: str | None) -> Iterator[list[list]]:
    before = None
    while True:
        query = _filtered(select(*_EXPORTED), action_prefix, actor)
        if before is not None:
            query = query.where(AuditEvent.id < before)
        batch = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(EXPORT_BATCH)).all()
        if not batch:
            return
        yield [_export_row(row) for row in batch]
        before = batch[-1].id


def _export_row(row) -> list:
    at = row.at.astimezone(UTC)  # UTCDateTime: always aware
    return [
        at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        row.actor_label,
        row.action,
        row.target_type,
        row.target_id,
        "" if row.details is None else json.dumps(row.details, ensure_ascii=False, sort_keys=True),
    ]


@transactional
def record_export(action: str | None = None, actor_filter: str | None = None, *, actor=None):
    """Note in the audit log who took a copy of it, and which part."""
    chosen = {"kind_of_action": action or "all", "by_actor": actor_filter or "all"}
    audit.record(actor, "audit.export", "audit_log", None, **chosen)
