"""Recording a past incident after the fact, with explicit times."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.incident_forms import (
    BackfillForm,
    add_error,
    component_statuses,
    failure_status,
    parse_local_datetime,
)
from app.services import backfill
from app.services import components as component_service
from app.services.errors import ServiceError
from app.templating import page_zone

# The statuses the form's rows start with, oldest first.
BACKFILL_DEFAULTS = ["investigating", "identified", "monitoring", "resolved", "resolved"]


def _actor():
    return current_user._get_current_object()


@bp.route("/incidents/backfill", methods=["GET", "POST"])
def incident_backfill():
    form = BackfillForm()
    components = component_service.list_components()
    chosen = {}
    if not form.is_submitted():
        for row, status in zip(form.updates, BACKFILL_DEFAULTS, strict=False):
            row.status.data = status
        return _backfill_page(form, components, chosen)
    valid = form.validate()
    try:
        chosen = component_statuses(request.form, [c.id for c in components])
        zone = page_zone()
        past = [
            backfill.PastUpdate(
                status=row.status.data,
                message=row.message.data or "",
                at=parse_local_datetime(row.at.data, zone, f"time of update {index}"),
            )
            for index, row in enumerate(form.updates, start=1)
            if not row.is_empty
        ]
        if valid:
            incident = backfill.backfill_incident(
                name=form.title.data,
                impact=form.impact.data,
                updates=past,
                components=chosen,
                actor=_actor(),
            )
            flash("Past incident recorded.", "success")
            return redirect(url_for("admin.incident", incident_id=incident.id))
    except ServiceError as exc:
        add_error(form, exc.message, None)
        return _backfill_page(form, components, chosen), failure_status(exc)
    return _backfill_page(form, components, chosen), 400


def _backfill_page(form, components, chosen):
    return render_template(
        "admin/incidents/backfill.html",
        form=form,
        groups=component_service.grouped(components),
        chosen=chosen,
        zone=page_zone().key,
    )
