"""Incident templates: create, change, delete, list.

A template holds what a manager would otherwise type again for a kind of incident: a
title, a message, an impact, the status to post and the components it touches with the
status each gets. It fills a form (or an API request) and writes nothing by itself;
the incident services check the result again when it is posted. Its fields are checked
here with the incidents' own rules and limits, so a template can never hold what the
form it fills would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Component,
    IncidentStatus,
    IncidentTemplate,
    TemplateComponent,
    TemplateKind,
    utcnow,
)
from app.models.enums import INCIDENT_STATUSES
from app.services import audit, validate
from app.services.components import parse_status
from app.services.errors import Invalid, NotFound
from app.services.incident_rules import MAX_MESSAGE, MAX_TITLE, parse_impact, parse_incident_status
from app.services.tx import locked, transactional

MAX_NAME = 100
# A new incident starts in one of these; resolving one is an update's job.
OPENING_STATUSES = INCIDENT_STATUSES[:3]
TEMPLATE_GONE = "This template no longer exists; it was deleted meanwhile."
NO_SUCH_TEMPLATE = "No such template."


def list_templates(kind: TemplateKind | None = None) -> list[IncidentTemplate]:
    """Templates by name (any case); only those of `kind` when it is given."""
    query = select(IncidentTemplate).order_by(func.lower(IncidentTemplate.name))
    if kind is not None:
        query = query.where(IncidentTemplate.kind == kind)
    return list(db.session.scalars(query))


def get_template(template_id: int) -> IncidentTemplate:
    template = db.session.get(IncidentTemplate, template_id)
    if template is None:
        raise NotFound(NO_SUCH_TEMPLATE, "template")
    return template


def parse_kind(value) -> TemplateKind:
    return validate.choice(TemplateKind, value, "kind")


def _fields(
    *, name, kind, title, body, impact, update_status, notify, components, exclude_id=None
) -> dict:
    """Every field checked, as the model holds them; all mistakes are the caller's input."""
    kind = parse_kind(kind)
    name = validate.text(name, "name", max_len=MAX_NAME)
    title = validate.text(title, "title", max_len=MAX_TITLE, required=kind == TemplateKind.INCIDENT)
    body = validate.text(body, "message", max_len=MAX_MESSAGE, multiline=True)
    status = parse_incident_status(update_status)
    if kind == TemplateKind.INCIDENT and status not in OPENING_STATUSES:
        allowed = ", ".join(s.value for s in OPENING_STATUSES)
        raise Invalid(f"A new incident starts as one of: {allowed}.", "status")
    statuses = {int(cid): parse_status(s, "components") for cid, s in (components or {}).items()}
    _check_components(statuses)
    _check_unique(name, exclude_id)
    return {
        "name": name,
        "kind": kind,
        "title": title,
        "body": body,
        "impact": parse_impact(impact) if impact else None,
        "update_status": status,
        "notify": bool(notify),
        "statuses": statuses,
    }


def _check_components(statuses: Mapping[int, object]) -> None:
    if not statuses:
        return
    found = set(db.session.scalars(select(Component.id).where(Component.id.in_(statuses))))
    missing = [cid for cid in statuses if cid not in found]
    if missing:
        raise Invalid(f"There is no component with id “{missing[0]}”.", "components")


def _check_unique(name: str, exclude_id: int | None) -> None:
    query = select(IncidentTemplate.id).where(func.lower(IncidentTemplate.name) == name.lower())
    if exclude_id is not None:
        query = query.where(IncidentTemplate.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Invalid(f"A template named “{name}” already exists.", "name")


def _apply(template: IncidentTemplate, fields: dict) -> None:
    statuses = fields.pop("statuses")
    for key, value in fields.items():
        setattr(template, key, value)
    # The rows are replaced in place: a component kept keeps its row (and the unique
    # constraint on template and component is never crossed mid-flush).
    kept = {row.component_id: row for row in template.components}
    template.components[:] = [
        _row(kept.get(cid), cid, status) for cid, status in sorted(statuses.items())
    ]


def _row(row: TemplateComponent | None, component_id: int, status) -> TemplateComponent:
    if row is None:
        return TemplateComponent(component_id=component_id, status=status)
    row.status = status
    return row


@transactional
def create_template(
    *,
    name: str,
    body: str,
    kind: str = TemplateKind.INCIDENT,
    title: str | None = None,
    impact: str | None = None,
    update_status: str = IncidentStatus.INVESTIGATING,
    notify: bool = True,
    components: Mapping[int, str] | None = None,
    actor=None,
) -> IncidentTemplate:
    """Add a template; `components` maps component ids to the status each gets."""
    fields = _fields(
        name=name,
        kind=kind,
        title=title,
        body=body,
        impact=impact,
        update_status=update_status,
        notify=notify,
        components=components,
    )
    template = IncidentTemplate(created_at=utcnow(), updated_at=utcnow())
    _apply(template, fields)
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "template.create", "incident_template", template.id, name=template.name)
    return template


@transactional
def update_template(
    template: IncidentTemplate | int,
    *,
    name: str,
    body: str,
    kind: str,
    title: str | None,
    impact: str | None,
    update_status: str,
    notify: bool,
    components: Mapping[int, str],
    actor=None,
) -> IncidentTemplate:
    """Replace every field of a template with those given."""
    template = locked(IncidentTemplate, template, missing=TEMPLATE_GONE)
    fields = _fields(
        name=name,
        kind=kind,
        title=title,
        body=body,
        impact=impact,
        update_status=update_status,
        notify=notify,
        components=components,
        exclude_id=template.id,
    )
    _apply(template, fields)
    template.updated_at = utcnow()
    audit.record(actor, "template.update", "incident_template", template.id, name=template.name)
    return template


@transactional
def delete_template(template: IncidentTemplate | int, *, actor=None) -> None:
    """Remove a template; incidents it filled keep their text."""
    template = locked(IncidentTemplate, template, missing=TEMPLATE_GONE)
    audit.record(actor, "template.delete", "incident_template", template.id, name=template.name)
    db.session.delete(template)
