"""Importing a whole page (docs/export-format.md) in one transaction.

A bulk path beside the everyday services, because an import must keep what
they would overwrite: the original times, codes, incident ids and status
history. Every value still passes the same checks as the forms (lengths, the
text rule of app/text.py, URLs, colours, time zones, the status vocabularies);
the first bad one stops the import with its place in the file, and nothing
is written. One audit event records the import; the page version moves once.

Into an empty page, everything is imported as it is. With `merge`, what the
page already has is kept — component groups and components by code, incidents
by kind, title, creation time and scheduled start, and what import_setup.py
reads by its own keys — and the rest is added after it, so running the same
import twice adds nothing the second time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Component, ComponentGroup, ComponentStatus, ComponentStatusPeriod, Incident
from app.services import audit, validate
from app.services.alert_quiet import parse_minutes
from app.services.errors import Conflict, Invalid
from app.services.import_fields import Fields
from app.services.import_incidents import import_incident
from app.services.import_setup import import_settings_setup, import_setup
from app.services.page import SETTINGS_ID, bump_version, get_settings, parse_time_zone
from app.services.tx import transactional
from app.text import counted

FORMAT = "herald-page"
_INCIDENT_KINDS = (("incidents", "incident"), ("maintenance", "maintenance"))
# 1: before images, templates, series, alert rules, follows and the ITIL fields.
SUPPORTED_VERSIONS = (1, 2)


@dataclass
class ImportResult:
    added: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    renumbered: dict[int, int] = field(default_factory=dict)  # incident id in file → here
    settings_imported: bool = False

    def count(self, what: str, added: bool) -> None:
        bucket = self.added if added else self.kept
        bucket[what] = bucket.get(what, 0) + 1


def page_contents() -> dict[str, int]:
    """What the page holds that an import would collide with (empty dict: nothing)."""
    counts = {
        "component groups": db.session.scalar(select(func.count()).select_from(ComponentGroup)),
        "components": db.session.scalar(select(func.count()).select_from(Component)),
    }
    for plural, kind in _INCIDENT_KINDS:
        counts[plural] = db.session.scalar(
            select(func.count()).select_from(Incident).where(Incident.kind == kind)
        )
    return {name: count for name, count in counts.items() if count}


def check_document(document) -> Fields:
    root = Fields(document, "")
    if document.get("format") != FORMAT:
        hint = ""
        if any(key in document for key in ("page", "components", "incidents")):
            hint = " It looks like a Statuspage document: import it with --statuspage."
        raise Invalid(f'This is not a Herald page export (no "format": "{FORMAT}").{hint}')
    version = document.get("schema_version")
    if version not in SUPPORTED_VERSIONS:
        raise Invalid(
            f"schema_version {version!r} is not one this Herald reads "
            f"({', '.join(map(str, SUPPORTED_VERSIONS))}); upgrade Herald to import it."
        )
    return root


@transactional
def import_page(
    document: dict,
    *,
    merge: bool = False,
    source: str = "file",
    actor=None,
    progress: Callable[[], None] | None = None,
) -> ImportResult:
    """Import `document` (a parsed export) into this page; all of it or, on error, none."""
    root = check_document(document)
    held = page_contents()
    if held and not merge:
        listed = ", ".join(counted(count, name) for name, count in held.items())
        raise Conflict(
            f"This page already has {listed}. Import into an empty page, or add --merge to "
            "keep what is here and add what is missing."
        )
    tick = progress or (lambda: None)
    result = ImportResult()
    if not held and (settings := root.child("settings")) is not None:
        _settings(settings)
        import_settings_setup(root, get_settings())
        result.settings_imported = True
    groups = _groups(root.items("component_groups"), result, tick)
    components, new_components = _components(root.items("components"), groups, result, tick)
    incident_ids: dict[int, int] = {}
    spare_ids = _spare_incident_ids(root)
    for key, kind in _INCIDENT_KINDS:
        for item in root.items(key):
            import_incident(item, kind, components, incident_ids, spare_ids, result, tick)
    for item, component in new_components:
        _status_periods(item, component, incident_ids)
    import_setup(root, components, incident_ids, result, tick)
    _advance_incident_ids()
    bump_version()
    audit.record(
        actor,
        "page.import",
        "page",
        SETTINGS_ID,
        source=source,
        added=result.added,
        kept=result.kept,
    )
    return result


def _settings(item: Fields) -> None:
    settings = get_settings()
    if db.session.get(type(settings), SETTINGS_ID) is None:
        db.session.add(settings)
    settings.code = item.code("code", required=False) or settings.code
    settings.name = item.text("name", 100)
    settings.url = item.url("url")
    settings.logo_url = item.url("logo_url")
    settings.support_url = item.url("support_url")
    settings.count_maintenance_as_downtime = item.flag(
        "count_maintenance_as_downtime", bool(settings.count_maintenance_as_downtime)
    )
    settings.alert_quiet_minutes = item.check("alert_quiet_minutes", parse_minutes, required=False)
    colour = item.raw("accent_color", required=False)
    if colour is not None:
        settings.accent_color = validate.color(colour, item.at("accent_color"))
    zone = item.raw("time_zone", required=False)
    if zone is not None:
        try:
            settings.time_zone = parse_time_zone(zone)
        except Invalid as exc:
            raise Invalid(f"{item.at('time_zone')}: {exc.message}") from exc


def _next_position(model) -> int:
    return db.session.scalar(select(func.coalesce(func.max(model.position), 0)))


def _taken_name(model, name: str, path: str, what: str) -> None:
    other = db.session.scalar(select(model).where(func.lower(model.name) == name.lower()))
    if other is not None:
        raise Invalid(
            f"{path}: a {what} named “{name}” already exists here with code {other.code}; "
            "rename one of them and import again."
        )


def _groups(items: list[Fields], result: ImportResult, tick) -> dict[str, ComponentGroup]:
    by_code = {g.code: g for g in db.session.scalars(select(ComponentGroup))}
    offset = _next_position(ComponentGroup)
    for item in items:
        code = item.code("code")
        if code in by_code:
            result.count("component groups", added=False)
        else:
            name = item.text("name", 100)
            _taken_name(ComponentGroup, name, item.at("name"), "component group")
            group = ComponentGroup(
                code=code,
                name=name,
                description=item.text("description", 2000, required=False, multiline=True),
                position=offset + item.integer("position", default=len(by_code) + 1),
            )
            _times(group, item)
            db.session.add(group)
            db.session.flush()
            by_code[code] = group
            result.count("component groups", added=True)
        tick()
    return by_code


def _times(row, item: Fields) -> None:
    row.created_at = item.time("created_at")
    row.updated_at = item.time("updated_at", required=False) or row.created_at


def _components(items: list[Fields], groups, result: ImportResult, tick):
    by_code = {c.code: c for c in db.session.scalars(select(Component))}
    offset = _next_position(Component)
    added = []
    for item in items:
        code = item.code("code")
        if code in by_code:
            result.count("components", added=False)
            tick()
            continue
        group_code = item.code("group", required=False)
        if group_code is not None and group_code not in groups:
            raise Invalid(f"{item.at('group')}: no component group has the code {group_code}.")
        name = item.text("name", 100)
        _taken_name(Component, name, item.at("name"), "component")
        component = Component(
            code=code,
            name=name,
            description=item.text("description", 2000, required=False, multiline=True),
            group=groups.get(group_code),
            position=offset + item.integer("position", default=len(by_code) + 1),
            status=item.choice("status", list(ComponentStatus)),
            showcase=item.flag("showcase", True),
            only_show_if_degraded=item.flag("only_show_if_degraded", False),
            start_date=item.day("start_date"),
        )
        _times(component, item)
        db.session.add(component)
        db.session.flush()
        by_code[code] = component
        added.append((item, component))
        result.count("components", added=True)
        tick()
    return by_code, added


def _status_periods(item: Fields, component: Component, incident_ids: dict[int, int]) -> None:
    periods = item.items("status_periods")
    if not periods:
        # A source without history (Statuspage): the current status, since the component began.
        db.session.add(
            ComponentStatusPeriod(
                component_id=component.id,
                status=component.status,
                started_at=component.created_at,
            )
        )
        return
    for period in periods:
        incident = period.integer("incident", required=False)
        db.session.add(
            ComponentStatusPeriod(
                component_id=component.id,
                status=period.choice("status", list(ComponentStatus)),
                started_at=period.time("started_at"),
                ended_at=period.time("ended_at", required=False),
                incident_id=incident_ids.get(incident) if incident is not None else None,
            )
        )


def _spare_incident_ids(root: Fields) -> Iterator[int]:
    """Ids for incidents whose own is taken or missing: above every id the page and the
    file hold, so that no incident of the file later finds its id given away."""
    in_file = [item.value.get("id") for key, _ in _INCIDENT_KINDS for item in root.items(key)]
    ids = [i for i in in_file if type(i) is int and 0 <= i < 2**31]
    here = db.session.scalar(select(func.coalesce(func.max(Incident.id), 0)))
    return itertools.count(max([here, *ids]) + 1)


def _advance_incident_ids() -> None:
    """Incidents kept their ids: PostgreSQL's sequence must continue after the largest."""
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('incident', 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM incident), false)"
            )
        )
