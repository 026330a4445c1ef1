"""Recording a past incident after the fact, with explicit times."""

from __future__ import annotations

from flask import render_template, url_for

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.incident_forms import BackfillForm
from app.models import Component
from app.services import backfill
from app.services import components as component_service
from app.services import priority as priority_service
from app.templating import page_zone


@bp.route("/incidents/backfill", methods=["GET", "POST"])
def incident_backfill():
    components = component_service.list_components()
    form = BackfillForm(offered=components)
    form.offer_owners(priority_service.owner_candidates())

    def save():
        incident = backfill.backfill_incident(
            **form.classification(),
            name=form.title.data,
            impact=form.impact.data,
            updates=form.past_updates,
            components=form.components.data,
            actor=current_actor(),
        )
        return saved("Past incident recorded.", url_for("admin.incident", incident_id=incident.id))

    return submit(form, save, lambda: _backfill_page(form, components))


def _backfill_page(form: BackfillForm, components: list[Component]):
    return render_template(
        "admin/incidents/backfill.html",
        form=form,
        groups=component_service.grouped(components),
        zone=page_zone().key,
    )
