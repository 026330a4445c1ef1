"""Admin views: incidents — open, update, edit, backfill, postmortem, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.incident_forms import (
    EditIncidentForm,
    EditUpdateForm,
    IncidentForm,
    PostmortemForm,
    UpdateForm,
    add_error,
    component_statuses,
    failure_status,
    page_number,
)
from app.models import Incident
from app.services import components as component_service
from app.services import incidents as service
from app.services import status as status_service
from app.services.errors import Invalid, ServiceError

PER_PAGE = 20


def _actor():
    return current_user._get_current_object()


def _incident(incident_id: int) -> Incident:
    incident = service.get_incident(incident_id)
    if incident.is_maintenance:
        abort(404, "That is a scheduled maintenance, not an incident.")
    return incident


def _listing(page: int):
    listing = status_service.incident_list(page, PER_PAGE)
    if page > listing.pages:
        abort(404, f"There is no page {page}; the last page is {listing.pages}.")
    return listing.items, listing.pages, listing.total


@bp.get("/incidents")
def incidents():
    try:
        page = page_number(request.args.get("page"))
    except Invalid as exc:
        abort(400, exc.message)
    items, pages, total = _listing(page)
    return render_template(
        "admin/incidents/list.html",
        active=[i for i in items if not i.is_closed],
        resolved=[i for i in items if i.is_closed],
        current=page,
        pages=pages,
        total=total,
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
def incident_new():
    form = IncidentForm()
    components = component_service.list_components()
    chosen = {}
    if form.is_submitted():
        valid = form.validate()
        try:
            chosen = component_statuses(request.form, [c.id for c in components])
            if valid:
                incident = service.open_incident(
                    name=form.title.data,
                    impact=form.impact.data,
                    message=form.message.data,
                    components=chosen,
                    status=form.status.data,
                    actor=_actor(),
                )
                flash("Incident opened.", "success")
                return redirect(url_for("admin.incident", incident_id=incident.id))
        except ServiceError as exc:
            add_error(form, exc.message, exc.field)
            return _new_page(form, chosen), failure_status(exc)
        return _new_page(form, chosen), 400
    return _new_page(form, chosen)


def _new_page(form, chosen):
    return render_template(
        "admin/incidents/new.html",
        form=form,
        groups=component_service.grouped(component_service.list_components()),
        chosen=chosen,
    )


@bp.get("/incidents/<int:incident_id>")
def incident(incident_id: int):
    incident = service.get_incident(incident_id)
    if incident.is_maintenance:
        return redirect(url_for("admin.maintenance", maintenance_id=incident.id))
    form = UpdateForm(data={"status": incident.status, "impact": incident.impact})
    return _incident_page(incident, form, {})


def _incident_page(incident, form, chosen):
    affected_ids = {a.component_id for a in incident.affected}
    components = component_service.list_components()
    return render_template(
        "admin/incidents/show.html",
        incident=incident,
        form=form,
        chosen=chosen,
        affected=[c for c in components if c.id in affected_ids],
        others=[c for c in components if c.id not in affected_ids],
    )


@bp.post("/incidents/<int:incident_id>/updates")
def incident_update(incident_id: int):
    incident = _incident(incident_id)
    form = UpdateForm()
    chosen = {}
    valid = form.validate()
    try:
        known = [c.id for c in component_service.list_components()]
        chosen = component_statuses(request.form, known)
        impact = _new_impact(incident, form.impact.data)
        if valid:
            service.post_update(
                incident,
                status=form.status.data,
                message=form.message.data,
                components=chosen,
                restore_components=form.restore_components.data,
                reopen=form.reopen.data,
                impact=impact,
                actor=_actor(),
            )
            flash(f"Update posted: {incident.status.label}.", "success")
            return redirect(url_for("admin.incident", incident_id=incident.id))
    except ServiceError as exc:
        add_error(form, exc.message, exc.field)
        incident = _incident(incident_id)
        return _incident_page(incident, form, chosen), failure_status(exc)
    return _incident_page(incident, form, chosen), 400


def _new_impact(incident: Incident, value: str | None) -> str | None:
    """The impact to set with an update, or None when it stays as it is.

    Only a real change is passed on, so the update's audit event names an impact
    only when the manager changed it. A form without the field keeps the impact.
    """
    if value is None:
        return None
    impact = service.parse_impact(value)
    return None if impact == incident.impact else impact.value


@bp.route("/incidents/<int:incident_id>/edit", methods=["GET", "POST"])
def incident_edit(incident_id: int):
    incident = _incident(incident_id)
    form = EditIncidentForm(data={"title": incident.name, "impact": incident.impact})
    if form.is_submitted():
        if form.validate():
            try:
                service.edit_incident(
                    incident, name=form.title.data, impact=form.impact.data, actor=_actor()
                )
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _edit_page(_incident(incident_id), form), failure_status(exc)
            flash("Incident saved.", "success")
            return redirect(url_for("admin.incident", incident_id=incident.id))
        return _edit_page(incident, form), 400
    return _edit_page(incident, form)


def _edit_page(incident, form):
    return render_template("admin/incidents/edit.html", incident=incident, form=form)


@bp.route("/incidents/<int:incident_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
def update_edit(incident_id: int, update_id: int):
    incident = service.get_incident(incident_id)
    update = service.get_update(incident, update_id)
    form = EditUpdateForm(data={"message": update.body})
    back = _page_of(incident)
    if form.is_submitted():
        if form.validate():
            try:
                service.edit_update(update, body=form.message.data, actor=_actor())
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _update_page(incident_id, update_id, form, back), failure_status(exc)
            flash("Update text saved; the earlier text is kept.", "success")
            return redirect(back)
        return _update_page(incident_id, update_id, form, back), 400
    return _update_page(incident_id, update_id, form, back)


def _page_of(incident: Incident) -> str:
    if incident.is_maintenance:
        return url_for("admin.maintenance", maintenance_id=incident.id)
    return url_for("admin.incident", incident_id=incident.id)


def _update_page(incident_id, update_id, form, back):
    update = service.get_update(service.get_incident(incident_id), update_id)
    return render_template(
        "admin/incidents/edit_update.html",
        incident=update.incident,
        update=update,
        form=form,
        back=back,
    )


@bp.route("/incidents/<int:incident_id>/postmortem", methods=["GET", "POST"])
def postmortem(incident_id: int):
    incident = _incident(incident_id)
    form = PostmortemForm(data={"body": incident.postmortem_body or ""})
    if form.is_submitted():
        action = request.form.get("action")
        if action not in ("draft", "publish"):
            add_error(form, "Choose “Save draft” or “Publish”.")
        elif form.validate():
            try:
                service.save_postmortem(
                    incident, body=form.body.data, publish=action == "publish", actor=_actor()
                )
            except ServiceError as exc:
                add_error(form, exc.message, "body")
                return _postmortem_page(_incident(incident_id), form), failure_status(exc)
            flash(
                "Postmortem published." if action == "publish" else "Postmortem draft saved.",
                "success",
            )
            return redirect(url_for("admin.postmortem", incident_id=incident.id))
        return _postmortem_page(incident, form), 400
    return _postmortem_page(incident, form)


def _postmortem_page(incident, form):
    return render_template("admin/incidents/postmortem.html", incident=incident, form=form)


@bp.route("/incidents/<int:incident_id>/delete", methods=["GET", "POST"])
def incident_delete(incident_id: int):
    incident = service.get_incident(incident_id)
    maintenance = incident.is_maintenance
    if request.method == "POST":
        name = incident.name
        service.delete_incident(incident, actor=_actor())
        flash(f"“{name}” deleted.", "success")
        return redirect(url_for("admin.maintenance_list" if maintenance else "admin.incidents"))
    return render_template(
        "admin/incidents/delete.html", incident=incident, back=_page_of(incident)
    )
