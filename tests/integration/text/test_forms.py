"""Unshowable characters typed or pasted into the admin forms: a one-line field is
refused with a message naming the field and the character; a multi-line field is
saved without them. Then every public output is still well-formed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, ComponentGroup, Incident, IncidentUpdate, User, utcnow
from app.services.page import get_settings
from tests.integration.text.helpers import fetch_every_public_url, publish_and_check
from tests.unshowable import SENDABLE, TERMINAL_LINE, TERMINAL_LINE_CLEAN, cleaned, every

# NUL is refused before any form is read (PostgreSQL cannot store it); see below.
CHARS = [char for char in SENDABLE if char != "\x00"]
PASTED = TERMINAL_LINE + every(CHARS)
KEPT = TERMINAL_LINE_CLEAN + cleaned(CHARS)
# One of each kind, for the fields not tried with every character.
KINDS = ["\x0b", "\x1b", "\x7f", "\x85", "\ufdd0", "\uffff", "\U0010fffe"]
WHEN = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
LATER = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def _find(model, **where):
    db.session.expire_all()
    return db.session.scalars(select(model).filter_by(**where)).first()


def _ids() -> dict[str, int]:
    resolved = _find(Incident, name="Database down")
    return {
        "resolved": resolved.id,
        "first_update": resolved.updates[-1].id,
        "active": _find(Incident, name="Slow pages").id,
        "upcoming": _find(Incident, status="scheduled").id,
        "component": _find(Component, name="API").id,
        "group": _find(ComponentGroup, name="Core").id,
    }


def _settings(**change):
    good = {
        "name": "Acme Status",
        "logo_url": "",
        "accent_color": "#aa3300",
        "support_url": "",
        "time_zone": "Etc/UTC",
    }
    return {**good, **change}


def one_line_fields(ids):
    """(field label in the message, URL, form data with `value` in the field)."""
    maintenance = {"starts": LATER, "ends": LATER[:-5] + "23:00", "message": "Read-only."}
    return [
        ("Title", "/admin/incidents/new",
         lambda v: {"title": v, "impact": "minor", "message": "m"}),
        ("Title", f"/admin/incidents/{ids['active']}/edit",
         lambda v: {"title": v, "impact": "minor"}),
        ("Title", "/admin/incidents/backfill", lambda v: {
            "title": v, "impact": "minor",
            "updates-0-status": "resolved", "updates-0-at": WHEN, "updates-0-message": "Gone.",
        }),
        ("Title", "/admin/maintenance/new", lambda v: {"title": v, **maintenance}),
        ("Title", "/admin/maintenance/series/new",
         lambda v: {"title": v, "cadence": "weekly", **maintenance}),
        ("Title", "/admin/maintenance/past", lambda v: {
            "title": v, "starts": WHEN, "ends": WHEN[:-5] + "23:00", "message": "Done.",
        }),
        ("Name", "/admin/components/new", lambda v: {"name": v, "status": "operational"}),
        ("Name", f"/admin/components/{ids['component']}/edit", lambda v: {"name": v}),
        ("Name", "/admin/groups/new", lambda v: {"name": v}),
        ("Name", f"/admin/groups/{ids['group']}/edit", lambda v: {"name": v}),
        ("Page name", "/admin/settings", lambda v: _settings(name=v)),
        ("Logo URL", "/admin/settings", lambda v: _settings(logo_url=f"https://a.example/{v}")),
        ("Support URL", "/admin/settings", lambda v: _settings(support_url=f"https://a.example/{v}")),
    ]  # fmt: skip


def _snapshot():
    """Everything the refused forms could have written."""
    db.session.expire_all()
    settings = get_settings()
    counts = [db.session.scalar(select(func.count(m.id))) for m in (Incident, Component, User)]
    names = sorted(db.session.scalars(select(Incident.name)).all())
    names += sorted(db.session.scalars(select(Component.name)).all())
    names += sorted(db.session.scalars(select(ComponentGroup.name)).all())
    return counts, names, (settings.name, settings.url, settings.logo_url, settings.support_url)


def test_a_title_with_any_unshowable_character_is_refused_naming_it(site, as_admin):
    """For each unshowable character pasted into an incident title, does the form answer
    400 saying which character and where, and open no incident?"""
    before = _snapshot()
    for char in CHARS:
        response = as_admin.post(
            "/admin/incidents/new",
            data={"title": f"Disk{char} full", "impact": "minor", "message": "m"},
        )
        assert response.status_code == 400, repr(char)
        page = response.get_data(as_text=True)
        expected = f"Title contains {_described(char)} after “Disk”, which cannot be shown"
        assert expected in page, repr(char)
    assert _snapshot() == before


def _described(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if ord(char) < 0xA0:
        return f"a control character ({code})"
    return f"a character reserved for internal use ({code}, a Unicode noncharacter)"


def test_every_one_line_field_refuses_them_by_name(site, as_admin):
    """Does every one-line field (titles, names, page name, URLs, a user's email) refuse
    each kind of unshowable character, and NUL, with a 400 that names the field?"""
    before = _snapshot()
    fields = one_line_fields(_ids())
    for label, url, data in fields:
        for char in KINDS:
            response = as_admin.post(url, data=data(f"Disk{char}full"))
            assert response.status_code == 400, (url, label, repr(char))
            page = response.get_data(as_text=True)
            assert f"{label} contains " in page and f"(U+{ord(char):04X}" in page, (url, label)
        response = as_admin.post(url, data=data("Disk\x00full"))
        assert response.status_code == 400
        assert "NUL character" in response.get_data(as_text=True)
    for char in KINDS:
        response = as_admin.post(
            "/admin/users/new",
            data={"email": f"a{char}b@example.com", "role": "manager", "password": "x" * 16},
        )
        assert response.status_code == 400
        assert "Enter a valid email address." in response.get_data(as_text=True)
    assert _snapshot() == before


def multi_line_fields(ids):
    """(URL, form data holding `value`, how to read back what was saved)."""

    def latest(incident_id):
        return lambda: _find(Incident, id=incident_id).updates[0].body

    def update(update_id):
        return lambda: _find(IncidentUpdate, id=update_id).body

    return [
        ("/admin/incidents/new", lambda v: {"title": "Pasted log", "impact": "minor", "message": v},
         lambda: _find(Incident, name="Pasted log").updates[0].body),
        (f"/admin/incidents/{ids['active']}/updates",
         lambda v: {"status": "identified", "message": v}, latest(ids["active"])),
        (f"/admin/incidents/{ids['resolved']}/updates/{ids['first_update']}/edit",
         lambda v: {"message": v}, update(ids["first_update"])),
        (f"/admin/incidents/{ids['resolved']}/postmortem",
         lambda v: {"body": v, "action": "publish"},
         lambda: _find(Incident, id=ids["resolved"]).postmortem_body),
        ("/admin/incidents/backfill", lambda v: {
            "title": "Past log", "impact": "minor",
            "updates-0-status": "resolved", "updates-0-at": WHEN, "updates-0-message": v},
         lambda: _find(Incident, name="Past log").updates[0].body),
        ("/admin/maintenance/new", lambda v: {
            "title": "Pasted plan", "starts": LATER, "ends": LATER[:-5] + "23:00", "message": v},
         lambda: _find(Incident, name="Pasted plan").updates[0].body),
        (f"/admin/maintenance/{ids['upcoming']}/updates",
         lambda v: {"status": "in_progress", "message": v}, latest(ids["upcoming"])),
        ("/admin/components/new", lambda v: {"name": "Logs", "description": v},
         lambda: _find(Component, name="Logs").description),
        (f"/admin/components/{ids['component']}/edit", lambda v: {"name": "API", "description": v},
         lambda: _find(Component, id=ids["component"]).description),
        ("/admin/groups/new", lambda v: {"name": "Logs", "description": v},
         lambda: _find(ComponentGroup, name="Logs").description),
        (f"/admin/groups/{ids['group']}/edit", lambda v: {"name": "Core", "description": v},
         lambda: _find(ComponentGroup, id=ids["group"]).description),
    ]  # fmt: skip


def test_every_multi_line_field_keeps_the_words_and_drops_the_rest(site, as_admin, tmp_path):
    """Pasting a terminal log and every unshowable character into each update, postmortem
    and description: is the text saved with LF line endings, colour codes and unshowable
    characters gone, and does every public URL and `flask publish` still work?"""
    for url, data, saved in multi_line_fields(_ids()):
        response = as_admin.post(url, data=data(PASTED))
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])
        assert saved() == KEPT, url
    checked = fetch_every_public_url(site)
    assert "xml" in checked.values() and "ical" in checked.values()
    assert publish_and_check(site, tmp_path / "mirror") > 0


@pytest.mark.parametrize("field", ["message", "title"])
def test_nul_is_refused_before_anything_is_read(site, as_admin, field):
    """Is a NUL byte in any field refused with a 400 that says so, whatever the field?"""
    data = {"title": "Outage", "impact": "minor", "message": "Looking.", field: "a\x00b"}
    response = as_admin.post("/admin/incidents/new", data=data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert _find(Incident, name="Outage") is None
