"""The parts of a page export that configure how the page is run rather than what it shows:
page images, the priority matrix, incident templates, recurring maintenance, alert rules and
upstream follows (docs/export-format.md, schema version 2).

Rows point at components by id; the export names them by code, as everywhere else in the
format, so the file reads the same whichever database wrote it.
"""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AlertRule,
    Component,
    IncidentTemplate,
    MaintenanceOccurrence,
    MaintenanceSeries,
    PageImage,
    PriorityRule,
    UpstreamFollow,
)
from app.portability import stamp
from app.services.page_images import KINDS


def export_setup() -> dict:
    """The schema-2 sections, keyed as in the document."""
    codes = dict(db.session.execute(select(Component.id, Component.code)).all())
    return {
        "images": _images(),
        "priority_matrix": _matrix(),
        "incident_templates": _templates(codes),
        "maintenance_series": _series(codes),
        "alert_rules": _alert_rules(codes),
        "upstream_follows": _follows(),
    }


def _images() -> dict:
    images = {}
    for kind in KINDS:
        image = db.session.get(PageImage, kind)
        if image is not None:
            images[kind] = {
                "content_type": image.content_type,
                "data": base64.b64encode(image.data).decode("ascii"),
                "updated_at": stamp(image.updated_at),
            }
    return images


def _matrix() -> list[dict]:
    rules = db.session.scalars(
        select(PriorityRule).order_by(PriorityRule.internal_impact, PriorityRule.urgency)
    )
    return [
        {"internal_impact": r.internal_impact, "urgency": r.urgency, "priority": r.priority}
        for r in rules
    ]


def _templates(codes: dict[int, str]) -> list[dict]:
    templates = db.session.scalars(
        select(IncidentTemplate)
        .options(selectinload(IncidentTemplate.components))
        .order_by(IncidentTemplate.name)
    )
    return [
        {
            "name": t.name,
            "kind": t.kind,
            "title": t.title,
            "body": t.body,
            "impact": t.impact,
            "update_status": t.update_status,
            "notify": t.notify,
            "created_at": stamp(t.created_at),
            "updated_at": stamp(t.updated_at),
            "components": sorted(
                ({"code": codes[c.component_id], "status": c.status} for c in t.components),
                key=lambda c: c["code"],
            ),
        }
        for t in templates
    ]


def _series(codes: dict[int, str]) -> list[dict]:
    listed = []
    for series in db.session.scalars(select(MaintenanceSeries).order_by(MaintenanceSeries.id)):
        occurrences = db.session.scalars(
            select(MaintenanceOccurrence)
            .where(MaintenanceOccurrence.series_id == series.id)
            .order_by(MaintenanceOccurrence.starts_at)
        )
        listed.append(
            {
                "name": series.name,
                "message": series.message,
                "cadence": series.cadence,
                "first_start": stamp(series.first_start),
                "duration_minutes": series.duration_minutes,
                "time_zone": series.time_zone,
                # A component deleted since is left out of later occurrences anyway.
                "components": sorted(codes[i] for i in series.component_ids if i in codes),
                "planned_through": stamp(series.planned_through),
                "stopped_at": stamp(series.stopped_at),
                "created_at": stamp(series.created_at),
                "updated_at": stamp(series.updated_at),
                "occurrences": [
                    {"starts_at": stamp(o.starts_at), "maintenance": o.incident_id}
                    for o in occurrences
                ],
            }
        )
    return listed


def _alert_rules(codes: dict[int, str]) -> list[dict]:
    rules = db.session.scalars(select(AlertRule).order_by(AlertRule.label, AlertRule.value))
    return [
        {
            "label": r.label,
            "value": r.value,
            "component": codes[r.component_id],
            "status": r.status,
            "created_at": stamp(r.created_at),
        }
        for r in rules
    ]


def _follows() -> list[dict]:
    follows = db.session.execute(
        select(UpstreamFollow, Component)
        .join(Component, Component.id == UpstreamFollow.component_id)
        .options(selectinload(UpstreamFollow.source))
        .order_by(Component.code)
    )
    return [
        {
            "component": component.code,
            "url": follow.source.url,
            "vendor": component.operated_by,
            "upstream_component": follow.upstream_component,
            "upstream_name": follow.upstream_name,
            "created_at": stamp(follow.created_at),
        }
        for follow, component in follows
    ]
