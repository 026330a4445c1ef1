"""Admin view: the incident manager's numbers (MTRS, MTBSI, availability, priorities) for
a period, overall or per component, as a page and as CSV."""

from __future__ import annotations

from flask import abort, render_template

from app.admin import bp
from app.admin.downloads import csv_download
from app.admin.metrics_chart import bar_chart
from app.admin.metrics_forms import MetricsForm
from app.models import Component, utcnow
from app.services import components as component_service
from app.services import metrics
from app.services.errors import Invalid
from app.templating import page_settings, page_zone


def _figures(form: MetricsForm) -> tuple[Component | None, metrics.Metrics] | None:
    """The component and the numbers the form asks for; None when it cannot be answered,
    the reasons then on the form's fields."""
    if not form.validate():
        return None
    now, zone = utcnow(), page_zone()
    try:
        span = form.span(now=now, tz=zone)
    except Invalid as exc:
        form.add_error(exc.message, exc.field)
        return None
    form.show(span)
    component = form.chosen()
    found = metrics.compute(
        span,
        [c.id for c in form.components],
        component_id=component.id if component else None,
        now=now,
        tz=zone,
        count_maintenance=bool(page_settings().count_maintenance_as_downtime),
    )
    return component, found


@bp.get("/metrics")
def metrics_page():
    form = MetricsForm.from_query(component_service.list_components())
    answer = _figures(form)
    component, found = answer or (None, None)
    page = render_template(
        "admin/metrics.html",
        form=form,
        component=component,
        found=found,
        chart=bar_chart(found.trend) if found else None,
        duration=metrics.minutes,
        max_days=metrics.MAX_DAYS,
        counts_maintenance=bool(page_settings().count_maintenance_as_downtime),
    )
    # Refused, the page comes back with the form as sent and why, as every admin form does.
    return (page, 400) if answer is None else page


@bp.get("/metrics.csv")
def metrics_csv():
    form = MetricsForm.from_query(component_service.list_components())
    answer = _figures(form)
    if answer is None:
        abort(400, " ".join(form.messages))
    component, found = answer
    name = component.name if component else "All components"
    return csv_download(metrics.csv_lines(found, name), "metrics")
