"""Resources named in URLs and bodies by their public ids, as /api/v2 shows them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.api.v1.errors import ApiError
from app.extensions import db
from app.models import Component, ComponentGroup, Incident, IncidentTemplate
from app.services.components import get_component_by_code
from app.services.incident_templates import get_template
from app.services.incidents import get_incident

_MAX_ID = 2**31 - 1


def component(code: str) -> Component:
    return get_component_by_code(code[:32])


def group(code: str) -> ComponentGroup:
    found = db.session.scalar(select(ComponentGroup).where(ComponentGroup.code == code[:32]))
    if found is None:
        raise ApiError(404, "No such component group.")
    return found


def incident(incident_id: str) -> Incident:
    if not (incident_id.isascii() and incident_id.isdigit()) or int(incident_id) > _MAX_ID:
        raise ApiError(404, "No such incident.")
    return get_incident(int(incident_id))


def group_id(code: str | None, field: str = "group_id") -> int | None:
    """A group's database id from its public id in a body; unknown is the body's fault."""
    if code is None:
        return None
    found = db.session.scalar(select(ComponentGroup.id).where(ComponentGroup.code == code))
    if found is None:
        raise ApiError(422, "No such component group.", {field: f"No group has the id {code}."})
    return found


def component_ids(codes: Iterable[str], field: str) -> dict[str, int]:
    """{code: database id} for component ids in a body; any unknown one is a 422."""
    codes = list(codes)
    if not codes:
        return {}
    found = dict(
        db.session.execute(
            select(Component.code, Component.id).where(Component.code.in_(codes))
        ).all()
    )
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ApiError(
            422,
            f"No such component: {unknown[0]}.",
            {field: f"Unknown component ids: {', '.join(unknown[:10])}."},
        )
    return found


def template(template_id: str) -> IncidentTemplate:
    """The template a URL names; 404 when there is none."""
    if not (template_id.isascii() and template_id.isdigit()) or int(template_id) > _MAX_ID:
        raise ApiError(404, "No such incident template.")
    return get_template(int(template_id))


def template_in_body(template_id: int, field: str = "template_id") -> IncidentTemplate:
    """The template a body names (a parsed id); unknown is the body's fault: 422."""
    found = db.session.get(IncidentTemplate, template_id)
    if found is None:
        raise ApiError(
            422, "No such incident template.", {field: f"No template has the id {template_id}."}
        )
    return found


def component_codes(ids: Iterable[int]) -> dict[int, str]:
    """{database id: public id} of the components `ids`."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(select(Component.id, Component.code).where(Component.id.in_(ids))).all()
    )
