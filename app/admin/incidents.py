"""Admin views: incidents — open, update, edit, postmortem, delete."""

from __future__ import annotations

from functools import partial

from flask import abort, redirect, render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.incident_forms import (
    EditIncidentForm,
    EditUpdateForm,
    IncidentForm,
    PostmortemForm,
    UpdateForm,
    classification_data,
)
from app.admin.parsers import check_page, optional_int, requested_choice, requested_page
from app.admin.template_forms import Filled, fill, requested, template_for
from app.models import Component, Incident, Priority, TemplateKind
from app.services import components as component_service
from app.services import incident_templates, postmortems, upstream_reports
from app.services import incidents as service
from app.services import priority as priority_service
from app.services import status as status_service
from app.services.errors import Invalid

PER_PAGE = 20


def _incident(incident_id: int) -> Incident:
    incident = service.get_incident(incident_id)
    if incident.is_maintenance:
        abort(404, "That is a scheduled maintenance, not an incident.")
    return incident


def _page_of(incident: Incident) -> str:
    if incident.is_maintenance:
        return url_for("admin.maintenance", maintenance_id=incident.id)
    return url_for("admin.incident", incident_id=incident.id)


# The list's filter and order, read from the query string: {value: label}.
PRIORITY_FILTERS = {"": "Any priority", **{p.value: p.label for p in Priority}, "none": "Not set"}
ORDERS = {"": "Unresolved first, newest first", "priority": "Priority, most pressing first"}


@bp.get("/incidents")
def incidents():
    page = requested_page()
    chosen = requested_choice("priority", PRIORITY_FILTERS)
    order = requested_choice("sort", ORDERS)
    listing = status_service.incident_list(
        page, PER_PAGE, priority=chosen or None, by_priority=order == "priority"
    )
    check_page(page, listing.pages)
    kept = {k: v for k, v in (("priority", chosen), ("sort", order)) if v}
    return render_template(
        "admin/incidents/list.html",
        active=[i for i in listing.items if not i.is_closed],
        resolved=[i for i in listing.items if i.is_closed],
        current=page,
        pages=listing.pages,
        total=listing.total,
        priority_filters=PRIORITY_FILTERS,
        orders=ORDERS,
        chosen=chosen,
        order=order,
        kept=kept,
        upstream_waiting=upstream_reports.waiting_count(),
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
def incident_new():
    """A new incident; `?report=<id>`: opened from an upstream report, filled in from it."""
    components = component_service.list_components()
    report_id = optional_int(request.args.get("report"), "report")
    report = upstream_reports.get_report(report_id) if report_id else None
    form = IncidentForm(offered=components)
    form.offer_owners(priority_service.owner_candidates())
    if report is not None and not form.is_submitted():
        _fill_from(form, upstream_reports.draft(report))

    def save():
        details = {
            **form.classification(),
            "name": form.title.data,
            "impact": form.impact.data,
            "message": form.message.data,
            "components": form.components.data,
            "status": form.status.data,
            "notify": form.notify.data,
        }
        if report is None:
            incident = service.open_incident(**details, actor=current_actor())
        else:
            incident = upstream_reports.open_incident(report.id, **details, actor=current_actor())
        return saved("Incident opened.", _page_of(incident))

    page = partial(_new_page, form, components, report)
    return _filled(form, TemplateKind.INCIDENT, page) or submit(form, save, page)


def _fill_from(form: IncidentForm, draft: upstream_reports.Draft) -> None:
    form.title.data = draft.title
    form.impact.data = draft.impact
    form.message.data = draft.message
    form.components.data = {i: s.value for i, s in draft.components.items()}


def _new_page(
    form: IncidentForm, components: list[Component], report=None, filled: Filled | None = None
):
    return render_template(
        "admin/incidents/new.html",
        form=form,
        groups=component_service.grouped(components),
        templates=incident_templates.list_templates(TemplateKind.INCIDENT),
        filled=filled,
        report=report,
    )


def _filled(form, kind: TemplateKind, page):
    """The form filled from the template asked for (posting nothing), or None when no
    template was asked for. A template that cannot be used is said on top: 400."""
    asked = requested()
    if asked is None:
        return None
    raw, replace = asked
    try:
        template = template_for(raw, kind)
    except Invalid as exc:
        form.add_error(exc.message)
        return page(), 400
    return page(filled=fill(form, template, replace=replace))


@bp.get("/incidents/<int:incident_id>")
def incident(incident_id: int):
    incident = service.get_incident(incident_id)
    if incident.is_maintenance:
        return redirect(_page_of(incident))
    components = component_service.list_components()
    form = UpdateForm(
        data={"status": incident.status, "impact": incident.impact}, offered=components
    )
    page = partial(_incident_page, incident, form, components)
    return _filled(form, TemplateKind.UPDATE, page) or page()


def _incident_page(
    incident: Incident, form: UpdateForm, components: list[Component], filled: Filled | None = None
):
    affected_ids = {a.component_id for a in incident.affected}
    return render_template(
        "admin/incidents/show.html",
        incident=incident,
        form=form,
        affected=[c for c in components if c.id in affected_ids],
        others=[c for c in components if c.id not in affected_ids],
        templates=incident_templates.list_templates(TemplateKind.UPDATE),
        filled=filled,
    )


@bp.post("/incidents/<int:incident_id>/updates")
def incident_update(incident_id: int):
    incident = _incident(incident_id)
    components = component_service.list_components()
    form = UpdateForm(offered=components)

    def save():
        service.post_update(
            incident,
            status=form.status.data,
            message=form.message.data,
            components=form.components.data,
            restore_components=form.restore_components.data,
            reopen=form.reopen.data,
            impact=_new_impact(incident, form.impact.data),
            actor=current_actor(),
            notify=form.notify.data,
        )
        return saved(f"Update posted: {incident.status.label}.", _page_of(incident))

    page = partial(_incident_page, incident, form, components)
    return _filled(form, TemplateKind.UPDATE, page) or submit(form, save, page)


def _new_impact(incident: Incident, value: str | None) -> str | None:
    """The impact to set with an update, or None when it stays as it is.

    Only a real change is passed on, so the update's audit event names an impact
    only when the manager changed it. A form without the field keeps the impact.
    """
    return None if value is None or value == incident.impact else value


@bp.route("/incidents/<int:incident_id>/edit", methods=["GET", "POST"])
def incident_edit(incident_id: int):
    incident = _incident(incident_id)
    form = EditIncidentForm(
        data={"title": incident.name, "impact": incident.impact, **classification_data(incident)}
    )
    form.offer_owners(priority_service.owner_candidates())

    def save():
        service.edit_incident(
            incident,
            name=form.title.data,
            impact=form.impact.data,
            actor=current_actor(),
            **form.classification(),
        )
        return saved("Incident saved.", _page_of(incident))

    return submit(
        form,
        save,
        lambda: render_template("admin/incidents/edit.html", incident=incident, form=form),
    )


@bp.route("/incidents/<int:incident_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
def update_edit(incident_id: int, update_id: int):
    incident = service.get_incident(incident_id)
    update = service.get_update(incident, update_id)
    form = EditUpdateForm(data={"message": update.body})

    def save():
        service.edit_update(update, body=form.message.data, actor=current_actor())
        return saved("Update text saved; the earlier text is kept.", _page_of(incident))

    return submit(
        form,
        save,
        lambda: render_template(
            "admin/incidents/edit_update.html",
            incident=incident,
            update=update,
            form=form,
            back=_page_of(incident),
        ),
    )


@bp.route("/incidents/<int:incident_id>/postmortem", methods=["GET", "POST"])
def postmortem(incident_id: int):
    incident = _incident(incident_id)
    form = PostmortemForm(data={"body": incident.postmortem_body or ""})

    def save():
        postmortems.save_postmortem(
            incident,
            body=form.body.data,
            publish=form.publish,
            actor=current_actor(),
            notify=form.notify.data,
        )
        done = "Postmortem published." if form.publish else "Postmortem draft saved."
        return saved(done, url_for("admin.postmortem", incident_id=incident.id))

    return submit(
        form,
        save,
        lambda: render_template("admin/incidents/postmortem.html", incident=incident, form=form),
    )


@bp.route("/incidents/<int:incident_id>/delete", methods=["GET", "POST"])
def incident_delete(incident_id: int):
    incident = service.get_incident(incident_id)
    if request.method == "GET":
        return render_template(
            "admin/incidents/delete.html", incident=incident, back=_page_of(incident)
        )
    listing = "admin.maintenance_list" if incident.is_maintenance else "admin.incidents"
    name = incident.name
    service.delete_incident(incident, actor=current_actor())
    return saved(f"“{name}” deleted.", url_for(listing))
