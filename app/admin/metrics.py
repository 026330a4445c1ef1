"""Admin view: the incident manager's numbers (MTRS, MTBSI, availability, priorities) for
a period, overall or per component, as a page and as CSV."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request

from app.admin import bp
from app.admin.downloads import csv_download
from app.admin.metrics_chart import bar_chart
from app.admin.parsers import optional_int
from app.models import Component, utcnow
from app.services import components as component_service
from app.services import metrics
from app.services.errors import Invalid
from app.templating import page_settings, page_zone

# What the page reads from its query string.
PERIODS = {**{str(days): f"Last {days} days" for days in metrics.PRESETS}, "custom": "Custom"}
DEFAULT_PERIOD = "30"


def _day(name: str) -> date:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        what = "start" if name == "since" else "end"
        raise Invalid(f"The {what} date “{raw[:20]}” is not a date like 2026-05-01.") from None


def _period(choice: str) -> metrics.Period:
    now, zone = utcnow(), page_zone()
    if choice == "custom":
        return metrics.period(_day("since"), _day("until"), now=now, tz=zone)
    return metrics.last_days(int(choice), now=now, tz=zone)


def _component(components: list[Component]) -> Component | None:
    chosen = optional_int(request.args.get("component"), "component")
    if chosen is None:
        return None
    found = next((c for c in components if c.id == chosen), None)
    if found is None:
        raise Invalid("There is no such component.")
    return found


def _figures():
    """The request's period and component, and their numbers; a 400 for bad input."""
    choice = request.args.get("period", DEFAULT_PERIOD)
    if choice not in PERIODS:
        abort(400, f"The period must be one of: {', '.join(PERIODS)}.")
    components = component_service.list_components()
    try:
        span = _period(choice)
        component = _component(components)
    except Invalid as exc:
        abort(400, exc.message)
    found = metrics.compute(
        span,
        [c.id for c in components],
        component_id=component.id if component else None,
        now=utcnow(),
        tz=page_zone(),
        count_maintenance=bool(page_settings().count_maintenance_as_downtime),
    )
    return choice, components, component, found


@bp.get("/metrics")
def metrics_page():
    choice, components, component, found = _figures()
    return render_template(
        "admin/metrics.html",
        periods=PERIODS,
        choice=choice,
        components=components,
        component=component,
        found=found,
        chart=bar_chart(found.trend),
        duration=metrics.minutes,
        max_days=metrics.MAX_DAYS,
        counts_maintenance=bool(page_settings().count_maintenance_as_downtime),
    )


@bp.get("/metrics.csv")
def metrics_csv():
    _, _, component, found = _figures()
    name = component.name if component else "All components"
    return csv_download(metrics.csv_lines(found, name), "metrics")
