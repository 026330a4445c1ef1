"""Models as /api/v1 answers: the same objects /api/v2 shows, in Statuspage's shapes."""

from __future__ import annotations

import json

from flask import Response

from app.api import statuspage as sp
from app.models import Component, ComponentGroup, Incident, PageSettings, Subscriber, utcnow
from app.services.component_groups import list_groups
from app.services.components import list_components
from app.services.page import get_settings
from app.site import site_url


def as_json(document, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def no_content() -> Response:
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


class Page:
    """What every answer shares: the page id, its URL, today's components and groups."""

    def __init__(self):
        self.settings: PageSettings = get_settings()
        self.url = site_url()
        self.id = self.settings.code
        self.groups = list_groups()
        self.components = list_components()
        self.by_id = {c.id: c for c in self.components}
        self.group_codes = {g.id: g.code for g in self.groups}

    def document(self) -> dict:
        settings = self.settings
        return {
            **sp.page(settings, self.url, settings.updated_at or utcnow()),
            "support_url": settings.support_url,
            "logo_url": settings.logo_url,
            "accent_color": settings.accent_color,
        }

    def component(self, item: Component) -> dict:
        return sp.component(item, self.id, self.group_codes.get(item.group_id))

    def group(self, item: ComponentGroup) -> dict:
        children = [c for c in self.components if c.group_id == item.id]
        return sp.group(item, children, self.id)

    def component_list(self) -> list[dict]:
        return sp.components(self.components, self.groups, self.id)

    def incident(self, item: Incident) -> dict:
        document = sp.incident(item, self.id, self.url, self.by_id, self.group_codes)
        if not item.is_maintenance:
            document |= internal(item)
        return document


def internal(item: Incident) -> dict:
    """The managers' classification of an incident: /api/v1 only, never /api/v2."""
    return {
        "internal_impact": item.internal_impact.value if item.internal_impact else None,
        "urgency": item.urgency.value if item.urgency else None,
        "priority": item.priority.value if item.priority else None,
        "owner_email": item.owner.email if item.owner else None,
    }


def subscriber(item: Subscriber, component_codes: dict[int, str]) -> dict:
    codes = [
        component_codes[t.component_id] for t in item.targets if t.component_id in component_codes
    ]
    return {
        "id": str(item.id),
        "type": item.kind.value,
        "email": item.address if item.kind.value == "email" else None,
        "endpoint": item.address if item.kind.value != "email" else None,
        "state": item.state.value,
        "mode": item.kind.value,
        "created_at": sp.timestamp(item.created_at),
        "confirmed_at": sp.timestamp(item.confirmed_at),
        "unsubscribed_at": sp.timestamp(item.unsubscribed_at),
        "components": codes if not item.all_components else None,
    }
