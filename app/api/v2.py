"""The Statuspage public API v2, read-only, under /api/v2/.

Aggregators, Prometheus exporters, Home Assistant and widgets written for
Statuspage read these documents unchanged. Every GET is served from the
render cache keyed on the page version, and every response under /api/v2/
(304s, errors and preflights included) may be read from any origin.
"""

from __future__ import annotations

import json
import re

from flask import Response, abort, request

from app.api import bp
from app.api import statuspage as sp
from app.cache import public_cached
from app.models import (
    Incident,
    IncidentKind,
    IncidentStatus,
    PageSettings,
    utcnow,
)
from app.services import status as status_service
from app.services.component_groups import list_groups
from app.services.components import list_components
from app.services.incidents import get_incident
from app.services.page import get_settings
from app.services.status import current_page_status, page_status
from app.site import site_url

PREFIX = "/api/v2/"
LATEST = 50
_ACTIVE = (IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING)
_UPCOMING = (IncidentStatus.SCHEDULED,)
_INCIDENT_ID = re.compile(r"[1-9][0-9]{0,9}")
_MAX_ID = 2**31 - 1  # larger would overflow PostgreSQL's integer: a 404, not a 500


@bp.after_app_request
def _cors(response: Response) -> Response:
    """Public data, no credentials: any origin may read it, errors and 304s included."""
    if request.path.startswith(PREFIX):
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "*"
            headers["Access-Control-Max-Age"] = "86400"
    return response


class _Context:
    """What every document shares: the page, its public URL, and today's components."""

    def __init__(self):
        settings = get_settings()
        self.settings: PageSettings = settings
        self.url = site_url()
        self.page_id = settings.code
        self.groups = list_groups()
        self.components = list_components()
        self.by_id = {c.id: c for c in self.components}
        self.group_codes = {g.id: g.code for g in self.groups}

    def page(self) -> dict:
        # An unsaved default (before the first migration) has no updated_at yet.
        return sp.page(self.settings, self.url, self.settings.updated_at or utcnow())

    def component_list(self) -> list[dict]:
        return sp.components(self.components, self.groups, self.page_id)

    def incidents(self, items: list[Incident]) -> list[dict]:
        return [sp.incident(i, self.page_id, self.url, self.by_id, self.group_codes) for i in items]


def _json(document: dict) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json")


@bp.route("/v2/summary.json")
@public_cached
def summary():
    ctx = _Context()
    unresolved = status_service.active_incidents()
    maintenance = status_service.maintenances([*_ACTIVE, *_UPCOMING])
    overall = page_status(
        [c.status for c in ctx.components],
        [i.impact for i in unresolved],
        any(m.status in _ACTIVE for m in maintenance),
    )
    return _json(
        {
            "page": ctx.page(),
            "components": ctx.component_list(),
            "incidents": ctx.incidents(unresolved),
            "scheduled_maintenances": ctx.incidents(maintenance),
            "status": sp.status(overall),
        }
    )


@bp.route("/v2/status.json")
@public_cached
def status():
    ctx = _Context()
    return _json({"page": ctx.page(), "status": sp.status(current_page_status(ctx.components))})


@bp.route("/v2/components.json")
@public_cached
def components():
    ctx = _Context()
    return _json({"page": ctx.page(), "components": ctx.component_list()})


@bp.route("/v2/incidents.json")
@public_cached
def incidents():
    ctx = _Context()
    latest = status_service.latest(IncidentKind.INCIDENT, LATEST)
    return _json({"page": ctx.page(), "incidents": ctx.incidents(latest)})


@bp.route("/v2/incidents/unresolved.json")
@public_cached
def unresolved_incidents():
    ctx = _Context()
    return _json(
        {"page": ctx.page(), "incidents": ctx.incidents(status_service.active_incidents())}
    )


@bp.route("/v2/incidents/<incident_id>.json")
@public_cached
def incident(incident_id: str):
    """One incident or maintenance by its id; anything but a known id is a JSON 404."""
    if not _INCIDENT_ID.fullmatch(incident_id) or int(incident_id) > _MAX_ID:
        abort(404, description="No such incident.")
    found = get_incident(int(incident_id))  # NotFound → the JSON 404
    ctx = _Context()
    return _json({"page": ctx.page(), "incident": ctx.incidents([found])[0]})


@bp.route("/v2/scheduled-maintenances.json")
@public_cached
def scheduled_maintenances():
    ctx = _Context()
    latest = status_service.latest(IncidentKind.MAINTENANCE, LATEST)
    return _json({"page": ctx.page(), "scheduled_maintenances": ctx.incidents(latest)})


@bp.route("/v2/scheduled-maintenances/upcoming.json")
@public_cached
def upcoming_maintenances():
    ctx = _Context()
    items = status_service.upcoming_maintenance()
    return _json({"page": ctx.page(), "scheduled_maintenances": ctx.incidents(items)})


@bp.route("/v2/scheduled-maintenances/active.json")
@public_cached
def active_maintenances():
    ctx = _Context()
    items = status_service.active_maintenance()
    return _json({"page": ctx.page(), "scheduled_maintenances": ctx.incidents(items)})
