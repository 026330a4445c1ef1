"""Admin views: the dashboard — what is happening now, and where to act."""

from __future__ import annotations

from flask import render_template, url_for
from werkzeug.routing import BuildError

from app.admin import bp
from app.models import ComponentStatus, utcnow
from app.services import components, delivery_health, status, upstream_reports


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of `endpoint`, or None while no view provides it (the page still renders)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.route("/")
def dashboard():
    everything = components.list_components()
    troubled = [c for c in everything if c.status != ComponentStatus.OPERATIONAL]
    return render_template(
        "admin/dashboard.html",
        page_status=status.current_page_status(everything),
        incidents=status.active_incidents(),
        maintenance_now=status.active_maintenance(),
        maintenance_next=status.upcoming_maintenance(),
        troubled=troubled,
        upstream_reports=upstream_reports.waiting(),
        delivery=delivery_health.check(utcnow()),
        link=optional_url,
        new_incident_url=optional_url("admin.incident_new"),
        new_maintenance_url=optional_url("admin.maintenance_new"),
    )
