"""Admin views: recurring maintenance — start a series, change its rule, stop it."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.forms import AdminForm, saved, submit
from app.admin.maintenance_forms import SeriesForm
from app.models import Component, MaintenanceSeries
from app.services import components as component_service
from app.services import maintenance_series as service


def _shown(series: MaintenanceSeries) -> str:
    return url_for("admin.maintenance_series", series_id=series.id)


def _rule(form: SeriesForm) -> dict:
    """What the form says, as the service's keyword arguments."""
    return {
        "name": form.title.data,
        "message": form.message.data,
        "cadence": form.cadence.data,
        "first_start": form.starts.moment,
        "first_end": form.ends.moment,
        "component_ids": form.components.data,
        "actor": current_actor(),
    }


@bp.route("/maintenance/series/new", methods=["GET", "POST"])
def maintenance_series_new():
    components = component_service.list_components()
    form = SeriesForm(offered=components)

    def save():
        series = service.create_series(**_rule(form))
        return saved(
            "Recurring maintenance started; its next windows are scheduled.", _shown(series)
        )

    return submit(form, save, lambda: _page(form, components))


@bp.route("/maintenance/series/<int:series_id>", methods=["GET", "POST"])
def maintenance_series(series_id: int):
    series = service.get_series(series_id)
    components = component_service.list_components()
    if request.method == "POST":
        form = SeriesForm(offered=components)
    else:
        form = SeriesForm.showing(series, components)

    def save():
        service.update_series(series, **_rule(form))
        return saved("Recurring maintenance changed; upcoming windows follow it.", _shown(series))

    return submit(form, save, lambda: _page(form, components, series))


@bp.post("/maintenance/series/<int:series_id>/stop")
def maintenance_series_stop(series_id: int):
    series = service.get_series(series_id)
    form = AdminForm()

    def save():
        service.stop_series(series, actor=current_actor())
        return saved("Recurring maintenance stopped.", _shown(series))

    return submit(form, save, lambda: _page(SeriesForm.showing(series, []), [], series, form))


def _page(form: SeriesForm, components: list[Component], series=None, stop_form=None):
    return render_template(
        "admin/maintenance/series.html",
        form=form,
        components=components,
        series=series,
        occurrences=service.upcoming_occurrences(series) if series else [],
        stop_form=stop_form,
        ahead_days=service.AHEAD.days,
    )
