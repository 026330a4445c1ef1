"""Importing what configures a page (schema version 2 of docs/export-format.md; see
page_import.py): page images and the priority matrix with the settings, then incident
templates, recurring maintenance, alert rules and upstream follows.

Each value passes the checks of the service that owns it; a reference to a component or a
maintenance the file does not hold stops the import with its place in the file.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AlertRule,
    Cadence,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentTemplate,
    InternalImpact,
    MaintenanceOccurrence,
    MaintenanceSeries,
    PageImage,
    PageSettings,
    Priority,
    PriorityRule,
    TemplateComponent,
    TemplateKind,
    UpstreamFollow,
    UpstreamSource,
    Urgency,
    utcnow,
)
from app.models.enums import INCIDENT_STATUSES
from app.services.alert_rules import MAX_LABEL, MAX_VALUE, RULE_STATUSES
from app.services.errors import Invalid
from app.services.import_fields import Fields
from app.services.incident_templates import MAX_NAME, OPENING_STATUSES
from app.services.incidents import MAX_MESSAGE, MAX_TITLE
from app.services.maintenance_series import LONGEST
from app.services.page import parse_time_zone
from app.services.page_images import FORMATS, KINDS, file_name, inspect_image
from app.services.upstream import MAX_VENDOR, summary_url


def import_settings_setup(root: Fields, settings: PageSettings) -> None:
    """The images and the priority matrix: imported with the settings, into an empty page."""
    _images(root.child("images"), settings)
    _matrix(root.items("priority_matrix"))


def import_setup(root: Fields, components: dict, incident_ids: dict, result, tick) -> None:
    """The templates, series, rules and follows that `root` holds and this page lacks."""
    for item in root.items("incident_templates"):
        _template(item, components, result)
        tick()
    for item in root.items("maintenance_series"):
        _series(item, components, incident_ids, result)
        tick()
    for item in root.items("alert_rules"):
        _alert_rule(item, components, result)
        tick()
    for item in root.items("upstream_follows"):
        _follow(item, components, result)
        tick()


def _component(item: Fields, key: str, components: dict) -> Component:
    code = item.code(key)
    if code not in components:
        raise Invalid(f"{item.at(key)}: no component has the code {code}.")
    return components[code]


def _images(item: Fields | None, settings: PageSettings) -> None:
    if item is None:
        return
    unknown = sorted(set(item.value) - set(KINDS))
    if unknown:
        raise Invalid(f"{item.at(unknown[0])}: the images are {' and '.join(KINDS)}.")
    for kind in KINDS:
        image = item.child(kind)
        if image is None:
            continue
        data = image.binary("data")
        try:
            found = inspect_image(data, kind)
        except Invalid as exc:
            raise image.refused("data", exc) from exc
        claimed = image.choice("content_type", sorted(set(FORMATS.values())))
        if claimed != found.content_type:
            raise Invalid(
                f"{image.at('content_type')}: says {claimed}, but the data is {found.content_type}."
            )
        row = db.session.get(PageImage, kind) or PageImage(kind=kind)
        row.content_type, row.data = claimed, data
        row.width, row.height = found.width, found.height
        row.version = hashlib.sha256(data).hexdigest()[:16]
        row.updated_at = image.time("updated_at", required=False) or utcnow()
        db.session.add(row)
        setattr(settings, f"{kind}_image", file_name(row) if kind == "logo" else row.version)


def _matrix(items: list[Fields]) -> None:
    seen = set()
    for item in items:
        cell = (
            InternalImpact(item.choice("internal_impact", list(InternalImpact))),
            Urgency(item.choice("urgency", list(Urgency))),
        )
        if cell in seen:
            raise Invalid(f"{item.path}: a second cell for {cell[0]} × {cell[1]}.")
        seen.add(cell)
        row = db.session.get(PriorityRule, cell) or PriorityRule(
            internal_impact=cell[0], urgency=cell[1]
        )
        row.priority = Priority(item.choice("priority", list(Priority)))
        db.session.add(row)
    db.session.flush()  # incidents imported next derive their priority from it


def _template(item: Fields, components: dict, result) -> None:
    name = item.text("name", MAX_NAME)
    taken = select(IncidentTemplate.id).where(func.lower(IncidentTemplate.name) == name.lower())
    if db.session.scalar(taken) is not None:
        result.count("incident templates", added=False)
        return
    kind = TemplateKind(item.choice("kind", list(TemplateKind)))
    opening = kind == TemplateKind.INCIDENT
    status = item.choice("update_status", OPENING_STATUSES if opening else INCIDENT_STATUSES)
    template = IncidentTemplate(
        name=name,
        kind=kind,
        title=item.text("title", MAX_TITLE, required=opening),
        body=item.text("body", MAX_MESSAGE, multiline=True),
        impact=item.choice("impact", list(Impact), required=False),
        update_status=status,
        notify=item.flag("notify", True),
    )
    _times(template, item)
    for ref in item.items("components"):
        component = _component(ref, "code", components)
        if any(c.component_id == component.id for c in template.components):
            raise Invalid(f"{ref.at('code')}: {component.code} is listed twice.")
        status = ref.choice("status", list(ComponentStatus))
        template.components.append(TemplateComponent(component_id=component.id, status=status))
    db.session.add(template)
    result.count("incident templates", added=True)


def _times(row, item: Fields) -> None:
    row.created_at = item.time("created_at", required=False) or utcnow()
    row.updated_at = item.time("updated_at", required=False) or row.created_at


def _series(item: Fields, components: dict, incident_ids: dict, result) -> None:
    name = item.text("name", MAX_TITLE)
    first_start = item.time("first_start")
    kept = select(MaintenanceSeries.id).where(
        MaintenanceSeries.name == name, MaintenanceSeries.first_start == first_start
    )
    if db.session.scalar(kept) is not None:
        result.count("maintenance series", added=False)
        return
    cadence = Cadence(item.choice("cadence", list(Cadence)))
    minutes = item.integer("duration_minutes")
    longest = int(LONGEST[cadence].total_seconds() // 60)
    if not 0 < minutes < longest:
        raise Invalid(
            f"{item.at('duration_minutes')}: a {cadence} window lasts 1 to {longest - 1} minutes."
        )
    series = MaintenanceSeries(
        name=name,
        message=item.text("message", MAX_MESSAGE, multiline=True),
        cadence=cadence,
        first_start=first_start,
        duration_minutes=minutes,
        time_zone=item.check("time_zone", parse_time_zone),
        component_ids=_component_ids(item, components),
        planned_through=item.time("planned_through", required=False),
        stopped_at=item.time("stopped_at", required=False),
    )
    _times(series, item)
    db.session.add(series)
    db.session.flush()
    starts = set()
    for occurrence in item.items("occurrences"):
        starts_at = occurrence.time("starts_at")
        if starts_at in starts:
            raise Invalid(f"{occurrence.at('starts_at')}: a second occurrence at that start.")
        starts.add(starts_at)
        db.session.add(
            MaintenanceOccurrence(
                series_id=series.id,
                starts_at=starts_at,
                incident_id=_maintenance(occurrence, incident_ids),
            )
        )
    result.count("maintenance series", added=True)


def _component_ids(item: Fields, components: dict) -> list[int]:
    codes = item.codes("components")
    for index, code in enumerate(codes):
        if code not in components:
            raise Invalid(f"{item.at('components')}[{index}]: no component has the code {code}.")
    return [components[code].id for code in codes]


def _maintenance(item: Fields, incident_ids: dict) -> int:
    file_id = item.integer("maintenance")
    here = incident_ids.get(file_id)
    incident = db.session.get(Incident, here) if here is not None else None
    if incident is None or incident.kind != IncidentKind.MAINTENANCE:
        raise Invalid(
            f"{item.at('maintenance')}: no maintenance in this file has the id {file_id}."
        )
    return incident.id


def _alert_rule(item: Fields, components: dict, result) -> None:
    label = item.text("label", MAX_LABEL)
    value = item.text("value", MAX_VALUE)
    component = _component(item, "component", components)
    status = item.choice("status", RULE_STATUSES, required=False)
    kept = select(AlertRule.id).where(
        func.lower(AlertRule.label) == label.lower(),
        func.lower(AlertRule.value) == value.lower(),
        AlertRule.component_id == component.id,
    )
    if db.session.scalar(kept) is not None:
        result.count("alert rules", added=False)
        return
    created_at = item.time("created_at", required=False) or utcnow()
    db.session.add(
        AlertRule(
            label=label,
            value=value,
            component_id=component.id,
            status=status,
            created_at=created_at,
        )
    )
    result.count("alert rules", added=True)


def _follow(item: Fields, components: dict, result) -> None:
    component = _component(item, "component", components)
    followed = select(UpstreamFollow.id).where(UpstreamFollow.component_id == component.id)
    if db.session.scalar(followed) is not None:
        result.count("upstream follows", added=False)
        return
    url = item.check("url", summary_url)
    source = db.session.scalar(select(UpstreamSource).where(UpstreamSource.url == url))
    if source is None:
        # Nothing fetched is carried: the next poll reads the page afresh.
        source = UpstreamSource(url=url, next_poll_at=utcnow())
        db.session.add(source)
    db.session.add(
        UpstreamFollow(
            component_id=component.id,
            source=source,
            upstream_component=item.text("upstream_component", 64),
            upstream_name=item.text("upstream_name", 200),
            created_at=item.time("created_at", required=False) or utcnow(),
        )
    )
    component.operated_by = item.text("vendor", MAX_VENDOR)
    db.session.flush()
    result.count("upstream follows", added=True)
