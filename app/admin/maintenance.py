"""Admin views: scheduled maintenance — schedule, record past, follow, advance, edit."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.maintenance_forms import (
    EditMaintenanceForm,
    MaintenanceForm,
    MaintenanceUpdateForm,
    PastMaintenanceForm,
    RescheduleForm,
)
from app.admin.parsers import check_page, requested_page
from app.models import Component, Incident
from app.services import components as component_service
from app.services import incidents as incident_service
from app.services import maintenance as service
from app.services import maintenance_series as series_service
from app.services import status as status_service
from app.services.errors import NotFound
from app.services.maintenance_edit import edit_maintenance
from app.services.maintenance_past import record_past_maintenance

COMPLETED_PER_PAGE = 20


def _maintenance(maintenance_id: int) -> Incident:
    maintenance = incident_service.get_incident(maintenance_id)
    if not maintenance.is_maintenance:
        raise NotFound("No such maintenance.")
    return maintenance


def _shown(maintenance: Incident) -> str:
    return url_for("admin.maintenance", maintenance_id=maintenance.id)


@bp.get("/maintenance")
def maintenance_list():
    """In progress and upcoming on the first page; `?page=` pages through the completed."""
    page = requested_page()
    completed = status_service.completed_maintenance(page, COMPLETED_PER_PAGE)
    check_page(page, completed.pages)
    first = page == 1
    return render_template(
        "admin/maintenance/list.html",
        in_progress=status_service.active_maintenance() if first else [],
        upcoming=status_service.upcoming_maintenance() if first else [],
        completed=completed,
        series=series_service.list_series() if first else [],
    )


@bp.route("/maintenance/new", methods=["GET", "POST"])
def maintenance_new():
    components = component_service.list_components()
    form = MaintenanceForm(offered=components)

    def save():
        maintenance = service.schedule_maintenance(
            name=form.title.data,
            message=form.message.data,
            scheduled_for=form.starts.moment,
            scheduled_until=form.ends.moment,
            component_ids=form.components.data,
            actor=current_actor(),
            notify=form.notify.data,
        )
        return saved("Maintenance scheduled.", _shown(maintenance))

    return submit(form, save, lambda: _new_page(form, components))


@bp.route("/maintenance/past", methods=["GET", "POST"])
def maintenance_past():
    """Maintenance that already happened: straight to history, nobody notified."""
    components = component_service.list_components()
    form = PastMaintenanceForm(offered=components)

    def save():
        maintenance = record_past_maintenance(
            name=form.title.data,
            message=form.message.data,
            started_at=form.starts.moment,
            ended_at=form.ends.moment,
            component_ids=form.components.data,
            actor=current_actor(),
        )
        return saved("Past maintenance recorded.", _shown(maintenance))

    return submit(form, save, lambda: _new_page(form, components, past=True))


def _new_page(form: MaintenanceForm, components: list[Component], past: bool = False):
    return render_template(
        "admin/maintenance/new.html",
        form=form,
        groups=component_service.grouped(components),
        past=past,
        # A window already over: offer the page that records it instead.
        offer_past=not past and service.PAST_WINDOW in form.ends.errors,
    )


@bp.route("/maintenance/<int:maintenance_id>/edit", methods=["GET", "POST"])
def maintenance_edit(maintenance_id: int):
    maintenance = _maintenance(maintenance_id)
    components = component_service.list_components()
    if request.method == "POST":
        form = EditMaintenanceForm(offered=components)
    else:
        form = EditMaintenanceForm.showing(maintenance, components)
    if not form.asks_start(maintenance):
        del form.starts  # its start is history

    def save():
        edit_maintenance(
            maintenance,
            name=form.title.data,
            component_ids=form.components.data,
            scheduled_for=form.starts.moment if form.starts else None,
            scheduled_until=form.ends.moment,
            actor=current_actor(),
        )
        return saved("Maintenance changed.", _shown(maintenance))

    def page():
        return render_template(
            "admin/maintenance/edit.html",
            form=form,
            maintenance=maintenance,
            components=components,
        )

    return submit(form, save, page)


@bp.get("/maintenance/<int:maintenance_id>")
def maintenance(maintenance_id: int):
    maintenance = incident_service.get_incident(maintenance_id)
    if not maintenance.is_maintenance:
        return redirect(url_for("admin.incident", incident_id=maintenance.id))
    return _show_page(maintenance)


def _show_page(maintenance: Incident, update_form=None, reschedule_form=None):
    update_form = update_form or MaintenanceUpdateForm(formdata=None)
    update_form.offer_after(maintenance.status)
    return render_template(
        "admin/maintenance/show.html",
        maintenance=maintenance,
        form=update_form,
        reschedule_form=reschedule_form or RescheduleForm.showing(maintenance),
        series_id=series_service.series_id_of(maintenance),
    )


@bp.post("/maintenance/<int:maintenance_id>/updates")
def maintenance_update(maintenance_id: int):
    maintenance = _maintenance(maintenance_id)
    form = MaintenanceUpdateForm()

    def save():
        service.post_maintenance_update(
            maintenance,
            status=form.status.data,
            message=form.message.data,
            actor=current_actor(),
            notify=form.notify.data,
        )
        return saved(f"Update posted: {maintenance.status.label}.", _shown(maintenance))

    return submit(form, save, lambda: _show_page(maintenance, update_form=form))


@bp.post("/maintenance/<int:maintenance_id>/reschedule")
def maintenance_reschedule(maintenance_id: int):
    maintenance = _maintenance(maintenance_id)
    form = RescheduleForm()

    def save():
        service.reschedule(
            maintenance,
            scheduled_for=form.starts.moment,
            scheduled_until=form.ends.moment,
            actor=current_actor(),
        )
        return saved("Maintenance rescheduled.", _shown(maintenance))

    return submit(form, save, lambda: _show_page(maintenance, reschedule_form=form))
