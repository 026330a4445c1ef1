"""Incident templates: the incidents' own rules and limits, unique names, components that
come and go, and all-or-nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IncidentTemplate, TemplateComponent
from app.services import components, incident_templates
from app.services.errors import Invalid, NotFound
from app.services.incidents import MAX_MESSAGE, MAX_TITLE


def _make(**extra):
    values = {"name": "Outage", "title": "Service down", "body": "We are on it.", "actor": "test"}
    return incident_templates.create_template(**(values | extra))


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def test_a_template_keeps_what_it_was_given(app, make_component):
    """Does a template hold its text, impact, status, notify choice and component statuses?"""
    api = make_component("API")
    template = _make(
        impact="major",
        update_status="identified",
        notify=False,
        components={api.id: "partial_outage"},
    )
    db.session.expire_all()
    template = incident_templates.get_template(template.id)
    assert (template.kind, template.impact, template.update_status) == (
        "incident",
        "major",
        "identified",
    )
    assert template.notify is False
    assert template.statuses == {api.id: "partial_outage"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "x" * (MAX_TITLE + 1)}, "title"),
        ({"body": "x" * (MAX_MESSAGE + 1)}, "message"),
        ({"body": "  "}, "message"),
        ({"title": "two\nlines"}, "title"),
        ({"title": "bell\x07"}, "title"),
        ({"name": ""}, "name"),
        ({"impact": "maintenance"}, "impact"),
        ({"update_status": "scheduled"}, "status"),
        ({"update_status": "resolved"}, "status"),
        ({"kind": "postmortem"}, "kind"),
        ({"components": {1: "on_fire"}}, "components"),
        ({"components": {999: "major_outage"}}, "components"),
    ],
)
def test_the_incidents_rules_apply(app, make_component, change, field):
    """Is every value an incident form would refuse refused for its template too, naming
    the field, with nothing saved?"""
    make_component("API")
    with pytest.raises(Invalid) as refused:
        _make(**change)
    assert refused.value.field == field
    assert _count(IncidentTemplate) == 0


def test_an_update_template_needs_no_title_and_may_resolve(app):
    """May an update's template leave the title out and post “Resolved”?"""
    template = _make(kind="update", title=None, update_status="resolved")
    assert template.title is None and template.update_status == "resolved"


def test_names_are_unique_in_any_case(app):
    """Is a second template called “OUTAGE” refused, and renaming onto a taken name too?"""
    _make()
    other = _make(name="Slow")
    with pytest.raises(Invalid, match="already exists"):
        _make(name="OUTAGE")
    with pytest.raises(Invalid, match="already exists"):
        incident_templates.update_template(
            other,
            name="outage",
            kind="incident",
            title="t",
            body="b",
            impact=None,
            update_status="investigating",
            notify=True,
            components={},
            actor="test",
        )
    assert sorted(t.name for t in incident_templates.list_templates()) == ["Outage", "Slow"]


def test_changing_the_components_keeps_the_others(app, make_component):
    """Does an edit replace the component statuses exactly, a kept component keeping its row?"""
    api = make_component("API")
    web = make_component("Website")
    template = _make(components={api.id: "major_outage", web.id: "degraded_performance"})
    kept_row = next(r.id for r in template.components if r.component_id == web.id)
    incident_templates.update_template(
        template,
        name="Outage",
        kind="incident",
        title="Service down",
        body="Still on it.",
        impact="minor",
        update_status="investigating",
        notify=True,
        components={web.id: "partial_outage"},
        actor="test",
    )
    db.session.expire_all()
    rows = db.session.scalars(select(TemplateComponent)).all()
    assert [(r.id, r.component_id, r.status) for r in rows] == [
        (kept_row, web.id, "partial_outage")
    ]


def test_deleting_a_component_leaves_the_template(app, make_component):
    """When a component is deleted, does its template stay, without that component?"""
    api = make_component("API")
    web = make_component("Website")
    template = _make(components={api.id: "major_outage", web.id: "partial_outage"})
    components.delete_component(api, actor="test")
    db.session.expire_all()
    assert incident_templates.get_template(template.id).statuses == {web.id: "partial_outage"}


def test_a_deleted_template_is_gone_with_its_components(app, make_component):
    """Does deleting a template remove its component rows, and a second delete say it is gone?"""
    api = make_component("API")
    template = _make(components={api.id: "major_outage"})
    incident_templates.delete_template(template, actor="test")
    assert _count(IncidentTemplate) == 0 and _count(TemplateComponent) == 0
    with pytest.raises(NotFound):
        incident_templates.delete_template(template.id, actor="test")
    with pytest.raises(NotFound):
        incident_templates.get_template(template.id)


def test_kinds_list_apart(app):
    """Does asking for one kind list only those, by name?"""
    _make(name="b new")
    _make(name="A update", kind="update", title=None)
    assert [t.name for t in incident_templates.list_templates("update")] == ["A update"]
    assert [t.name for t in incident_templates.list_templates()] == ["A update", "b new"]
