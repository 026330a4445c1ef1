"""Admin views: scheduled maintenance — schedule, follow, advance, reschedule."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.incident_forms import (
    MAINTENANCE_STATUS_CHOICES,
    MaintenanceForm,
    MaintenanceUpdateForm,
    RescheduleForm,
    add_error,
    component_ids,
    failure_status,
    local_input_value,
    page_number,
    parse_local_datetime,
)
from app.models import Incident
from app.services import components as component_service
from app.services import incidents as incident_service
from app.services import maintenance as service
from app.services import status as status_service
from app.services.errors import Invalid, NotFound, ServiceError
from app.templating import page_zone

COMPLETED_PER_PAGE = 20
# The services name the window's end `scheduled_until`; the form calls it `ends`.
_FIELDS = {"scheduled_until": "ends", "start": "starts", "end": "ends"}


def _actor():
    return current_user._get_current_object()


def _maintenance(maintenance_id: int) -> Incident:
    maintenance = incident_service.get_incident(maintenance_id)
    if not maintenance.is_maintenance:
        raise NotFound("No such maintenance.")
    return maintenance


@bp.get("/maintenance")
def maintenance_list():
    """In progress and upcoming on the first page; `?page=` pages through the completed."""
    try:
        page = page_number(request.args.get("page"))
    except Invalid as exc:
        abort(400, exc.message)
    completed = status_service.completed_maintenance(page, COMPLETED_PER_PAGE)
    if page > completed.pages:
        abort(404, f"There is no page {page}; the last page is {completed.pages}.")
    first = page == 1
    return render_template(
        "admin/maintenance/list.html",
        in_progress=status_service.active_maintenance() if first else [],
        upcoming=status_service.upcoming_maintenance() if first else [],
        completed=completed,
    )


@bp.route("/maintenance/new", methods=["GET", "POST"])
def maintenance_new():
    form = MaintenanceForm()
    components = component_service.list_components()
    ticked: list[int] = []
    if not form.is_submitted():
        return _new_page(form, components, ticked)
    valid = form.validate()
    try:
        zone = page_zone()
        ticked = component_ids(request.form.getlist("components"), [c.id for c in components])
        starts = parse_local_datetime(form.starts.data, zone, "start")
        ends = parse_local_datetime(form.ends.data, zone, "end")
        if valid:
            maintenance = service.schedule_maintenance(
                name=form.title.data,
                message=form.message.data,
                scheduled_for=starts,
                scheduled_until=ends,
                component_ids=ticked,
                actor=_actor(),
            )
            flash("Maintenance scheduled.", "success")
            return redirect(url_for("admin.maintenance", maintenance_id=maintenance.id))
    except ServiceError as exc:
        add_error(form, exc.message, _FIELDS.get(exc.field, exc.field))
        return _new_page(form, components, ticked), failure_status(exc)
    return _new_page(form, components, ticked), 400


def _new_page(form, components, ticked):
    return render_template(
        "admin/maintenance/new.html",
        form=form,
        components=components,
        ticked=set(ticked),
        zone=page_zone().key,
    )


@bp.get("/maintenance/<int:maintenance_id>")
def maintenance(maintenance_id: int):
    maintenance = incident_service.get_incident(maintenance_id)
    if not maintenance.is_maintenance:
        return redirect(url_for("admin.incident", incident_id=maintenance.id))
    return _show_page(maintenance, MaintenanceUpdateForm(formdata=None), _reschedule(maintenance))


def _reschedule(maintenance: Incident) -> RescheduleForm:
    zone = page_zone()
    return RescheduleForm(
        formdata=None,
        data={
            "starts": local_input_value(maintenance.scheduled_for, zone),
            "ends": local_input_value(maintenance.scheduled_until, zone),
        },
    )


def _show_page(maintenance, update_form, reschedule_form):
    values = [choice.value for choice in MAINTENANCE_STATUS_CHOICES]
    current = values.index(maintenance.status)
    update_form.status.choices = MAINTENANCE_STATUS_CHOICES[current:]
    if update_form.status.data not in values[current:]:
        update_form.status.data = values[min(current + 1, len(values) - 1)]
    return render_template(
        "admin/maintenance/show.html",
        maintenance=maintenance,
        form=update_form,
        reschedule_form=reschedule_form,
        zone=page_zone().key,
    )


@bp.post("/maintenance/<int:maintenance_id>/updates")
def maintenance_update(maintenance_id: int):
    maintenance = _maintenance(maintenance_id)
    form = MaintenanceUpdateForm()
    if form.validate():
        try:
            service.post_maintenance_update(
                maintenance, status=form.status.data, message=form.message.data, actor=_actor()
            )
        except ServiceError as exc:
            add_error(form, exc.message, exc.field)
            maintenance = _maintenance(maintenance_id)
            return _show_page(maintenance, form, _reschedule(maintenance)), failure_status(exc)
        flash(f"Update posted: {maintenance.status.label}.", "success")
        return redirect(url_for("admin.maintenance", maintenance_id=maintenance.id))
    return _show_page(maintenance, form, _reschedule(maintenance)), 400


@bp.post("/maintenance/<int:maintenance_id>/reschedule")
def maintenance_reschedule(maintenance_id: int):
    maintenance = _maintenance(maintenance_id)
    form = RescheduleForm()
    valid = form.validate()
    try:
        zone = page_zone()
        starts = parse_local_datetime(form.starts.data, zone, "start")
        ends = parse_local_datetime(form.ends.data, zone, "end")
        if valid:
            service.reschedule(
                maintenance, scheduled_for=starts, scheduled_until=ends, actor=_actor()
            )
            flash("Maintenance rescheduled.", "success")
            return redirect(url_for("admin.maintenance", maintenance_id=maintenance.id))
    except ServiceError as exc:
        add_error(form, exc.message, _FIELDS.get(exc.field, exc.field))
        maintenance = _maintenance(maintenance_id)
        update_form = MaintenanceUpdateForm(formdata=None)
        return _show_page(maintenance, update_form, form), failure_status(exc)
    return _show_page(maintenance, MaintenanceUpdateForm(formdata=None), form), 400
