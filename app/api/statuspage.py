"""Models as Statuspage public API v2 documents: plain dicts, field for field.

Pure functions over loaded models: no Flask request, no queries of their own.
Callers load incidents with their updates, changes and affected components
(see `app.api.v2`), so serialising fifty incidents costs no extra round trips.
The shapes follow a real `/api/v2/incidents/<id>.json` response
(`tests/fixtures/statuspage-incident-sample.json`) and are pinned by
`app/api/schema/statuspage-v2.json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from app.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentUpdate,
    PageSettings,
)
from app.services.status import PageStatus


def timestamp(value: datetime | None) -> str | None:
    """`2022-12-31T01:47:59.270Z`: UTC, milliseconds, never naive."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; Statuspage times carry an offset")
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def page(settings: PageSettings, url: str, updated_at: datetime) -> dict:
    return {
        "id": settings.code,
        "name": settings.name,
        "url": url,
        "time_zone": settings.time_zone,
        "updated_at": timestamp(updated_at),
    }


def status(page_status: PageStatus) -> dict:
    return {"indicator": page_status.indicator, "description": page_status.description}


def component(item: Component, page_id: str, group_code: str | None) -> dict:
    return {
        "id": item.code,
        "name": item.name,
        "status": item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "position": item.position,
        "description": item.description or None,
        "showcase": item.showcase,
        "start_date": day(item.start_date),
        "group_id": group_code,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": item.only_show_if_degraded,
    }


def group(item: ComponentGroup, children: list[Component], page_id: str) -> dict:
    worst = max(
        (c.status for c in children),
        key=lambda s: s.severity,
        default=ComponentStatus.OPERATIONAL,
    )
    return {
        "id": item.code,
        "name": item.name,
        "status": worst.value,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "position": item.position,
        "description": item.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [c.code for c in children],
    }


def components(
    items: Iterable[Component], groups: Iterable[ComponentGroup], page_id: str
) -> list[dict]:
    """Every component and group in page order: top-level entries (groups and
    ungrouped components) by position, each group followed by its children."""
    group_codes = {g.id: g.code for g in groups}
    children: dict[int, list[Component]] = {g_id: [] for g_id in group_codes}
    top: list[tuple[tuple, ComponentGroup | Component]] = []
    for item in sorted(items, key=lambda c: (c.position, c.id)):
        if item.group_id in children:
            children[item.group_id].append(item)
        else:
            top.append(((item.position, 1, item.id), item))
    for item in groups:
        top.append(((item.position, 0, item.id), item))
    out = []
    for _, item in sorted(top, key=lambda pair: pair[0]):
        if isinstance(item, ComponentGroup):
            out.append(group(item, children[item.id], page_id))
            out.extend(component(c, page_id, item.code) for c in children[item.id])
        else:
            out.append(component(item, page_id, None))
    return out


def incident_update(update: IncidentUpdate, incident_id: str) -> dict:
    changes = [
        {
            "code": change.component_code,
            "name": change.component_name,
            "old_status": change.old_status,
            "new_status": change.new_status,
        }
        for change in update.changes
    ]
    return {
        "id": str(update.id),
        "status": update.status,
        "body": update.body,
        "incident_id": incident_id,
        "created_at": timestamp(update.created_at),
        "updated_at": timestamp(update.updated_at),
        "display_at": timestamp(update.display_at),
        # Statuspage sends null, not [], for an update that changed no component.
        "affected_components": changes or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident(
    item: Incident,
    page_id: str,
    base_url: str,
    current: Mapping[int, Component],
    group_codes: Mapping[int, str],
) -> dict:
    """An incident, or a maintenance (the same keys plus `scheduled_for`/`until`).

    `current` maps component ids to today's components: the `components` list
    shows them as they are now, and leaves out those deleted since.
    """
    incident_id = str(item.id)
    affected = [current[a.component_id] for a in item.affected if a.component_id in current]
    doc = {
        "id": incident_id,
        "name": item.name,
        "status": item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "monitoring_at": timestamp(item.monitoring_at),
        "resolved_at": timestamp(item.resolved_at),
        "impact": item.impact,
        "shortlink": f"{base_url}/incidents/{incident_id}",
        "started_at": timestamp(item.started_at),
        "page_id": page_id,
        "incident_updates": [incident_update(u, incident_id) for u in item.updates],
        "components": [component(c, page_id, group_codes.get(c.group_id)) for c in affected],
    }
    if item.is_maintenance:
        doc["scheduled_for"] = timestamp(item.scheduled_for)
        doc["scheduled_until"] = timestamp(item.scheduled_until)
    return doc
