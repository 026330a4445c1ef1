"""The page as one JSON-ready document (docs/export-format.md): settings, component groups,
components with their status history, incidents and maintenance with every update; what
configures the page (images, templates, recurring maintenance…) is in export_setup.py."""

from __future__ import annotations

from datetime import date
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Component,
    ComponentGroup,
    ComponentStatusPeriod,
    Incident,
    IncidentKind,
    IncidentUpdate,
    utcnow,
)
from app.portability import FORMAT, SCHEMA_VERSION, stamp
from app.portability.export_setup import export_setup
from app.services.page import get_settings


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _generator() -> str:
    try:
        return f"Herald {version('herald')}"
    except PackageNotFoundError:
        return "Herald"


def export_page() -> dict:
    """Everything a visitor of the page can see, its history, and how it is run."""
    settings = get_settings()
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": stamp(utcnow()),
        "generator": _generator(),
        "settings": {
            "code": settings.code,
            "name": settings.name,
            "url": settings.url,
            "logo_url": settings.logo_url,
            "accent_color": settings.accent_color,
            "support_url": settings.support_url,
            "time_zone": settings.time_zone,
            "count_maintenance_as_downtime": bool(settings.count_maintenance_as_downtime),
            "alert_quiet_minutes": settings.alert_quiet_minutes,
        },
        "component_groups": [_group(g) for g in _groups()],
        "components": [_component(c) for c in _components()],
        "incidents": [_incident(i) for i in _incidents(IncidentKind.INCIDENT)],
        "maintenance": [_incident(i) for i in _incidents(IncidentKind.MAINTENANCE)],
        **export_setup(),
    }


def _groups():
    return db.session.scalars(
        select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.code)
    )


def _group(group: ComponentGroup) -> dict:
    return {
        "code": group.code,
        "name": group.name,
        "description": group.description,
        "position": group.position,
        "created_at": stamp(group.created_at),
        "updated_at": stamp(group.updated_at),
    }


def _components():
    return db.session.scalars(
        select(Component)
        .options(selectinload(Component.group))
        .order_by(Component.position, Component.code)
    ).all()


def _periods(component: Component) -> list[dict]:
    periods = db.session.scalars(
        select(ComponentStatusPeriod)
        .where(ComponentStatusPeriod.component_id == component.id)
        .order_by(ComponentStatusPeriod.started_at, ComponentStatusPeriod.id)
    )
    return [
        {
            "status": p.status,
            "started_at": stamp(p.started_at),
            "ended_at": stamp(p.ended_at),
            "incident": p.incident_id,
        }
        for p in periods
    ]


def _component(component: Component) -> dict:
    return {
        "code": component.code,
        "name": component.name,
        "description": component.description,
        "group": component.group.code if component.group else None,
        "position": component.position,
        "status": component.status,
        "showcase": component.showcase,
        "only_show_if_degraded": component.only_show_if_degraded,
        "start_date": _day(component.start_date),
        "created_at": stamp(component.created_at),
        "updated_at": stamp(component.updated_at),
        "status_periods": _periods(component),
    }


def _incidents(kind: IncidentKind):
    return db.session.scalars(
        select(Incident)
        .where(Incident.kind == kind)
        .options(
            selectinload(Incident.affected),
            selectinload(Incident.updates).selectinload(IncidentUpdate.changes),
            selectinload(Incident.updates).selectinload(IncidentUpdate.revisions),
        )
        .order_by(Incident.id)
    )


def _incident(incident: Incident) -> dict:
    postmortem = None
    if incident.postmortem_body is not None:
        postmortem = {
            "body": incident.postmortem_body,
            "updated_at": stamp(incident.postmortem_updated_at),
            "published_at": stamp(incident.postmortem_published_at),
        }
    updates = sorted(incident.updates, key=lambda u: (u.display_at, u.id))
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        # The managers' classification; its owner is a user, and users are not exported.
        "internal_impact": incident.internal_impact,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "created_at": stamp(incident.created_at),
        "updated_at": stamp(incident.updated_at),
        "started_at": stamp(incident.started_at),
        "monitoring_at": stamp(incident.monitoring_at),
        "resolved_at": stamp(incident.resolved_at),
        "scheduled_for": stamp(incident.scheduled_for),
        "scheduled_until": stamp(incident.scheduled_until),
        "postmortem": postmortem,
        "affected_components": [
            {"code": a.component_code, "name": a.component_name} for a in incident.affected
        ],
        "updates": [_update(u) for u in updates],
    }


def _update(update: IncidentUpdate) -> dict:
    return {
        "status": update.status,
        "body": update.body,
        "created_at": stamp(update.created_at),
        "updated_at": stamp(update.updated_at),
        "display_at": stamp(update.display_at),
        "deliver_notifications": update.deliver_notifications,
        "component_changes": [
            {
                "code": c.component_code,
                "name": c.component_name,
                "old_status": c.old_status,
                "new_status": c.new_status,
            }
            for c in update.changes
        ],
        "revisions": [
            {"body": r.body, "replaced_at": stamp(r.replaced_at)} for r in update.revisions
        ],
    }
