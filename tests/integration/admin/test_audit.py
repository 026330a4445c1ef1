"""The audit log as an admin reads it: who changed what, filters, pages, and safe details."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Incident
from app.services import audit, components

SETTINGS = {
    "name": "Acme Status",
    "url": "https://status.acme.example",
    "logo_url": "",
    "accent_color": "#aa3300",
    "support_url": "",
    "time_zone": "Europe/Paris",
}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def _open_incident(browser, component):
    return browser.post(
        "/admin/incidents/new",
        {
            "title": "API errors",
            "impact": "major",
            "status": "investigating",
            "message": "Looking into it.",
            f"component-{component.id}": "major_outage",
        },
    )


def _record(count: int, action="component.update") -> None:
    for n in range(count):
        audit.record("system", action, "component", n, n=n)
    db.session.commit()


def test_an_incident_and_a_settings_change_show_up_with_who_did_them(
    as_admin, as_manager, make_component
):
    """After a manager opens an incident and I change a setting, does the log say who did what?"""
    api = make_component("API")
    assert _open_incident(as_manager, api).status_code == 302
    assert as_admin.post("/admin/settings", SETTINGS).status_code == 302
    incident = db.session.scalars(select(Incident)).one()

    rows = _rows(_text(as_admin.get("/admin/audit")))
    settings_row, incident_row = rows[0], rows[1]  # newest first
    assert "admin@example.com" in settings_row and "settings.update" in settings_row
    assert "Herald Status → Acme Status" in settings_row
    assert 'href="/admin/settings"' in settings_row
    assert "manager@example.com" in incident_row and "incident.open" in incident_row
    assert "API errors" in incident_row
    assert f'href="/admin/incidents/{incident.id}"' in incident_row
    assert "<time " in incident_row


def test_a_deleted_target_is_named_but_not_linked(as_admin, make_component):
    """Is a deleted component still named in the log, without a link that leads nowhere?"""
    gone = make_component("Old API")
    kept = make_component("Website")
    components.delete_component(gone, actor="test")
    html = _text(as_admin.get("/admin/audit?action=component"))
    assert f"Component #{gone.id}" in html
    assert f'href="/admin/components/{gone.id}/edit"' not in html
    assert f'href="/admin/components/{kept.id}/edit"' in html


def test_managers_cannot_read_the_log(as_manager):
    """Can a manager open the audit log?"""
    assert as_manager.get("/admin/audit").status_code == 403


def test_the_nav_marks_the_audit_log_for_admins_only(as_admin, as_manager):
    """Does the admin nav offer the audit log to admins (marked current there), not to managers?"""
    assert 'href="/admin/audit" aria-current="page"' in _text(as_admin.get("/admin/audit"))
    assert 'href="/admin/audit"' not in _text(as_manager.get("/admin/"))


def test_filters_by_kind_of_action_and_by_actor(as_admin, as_manager, make_component):
    """Can I narrow the log to incident actions, or to what one person did?"""
    api = make_component("API")
    _open_incident(as_manager, api)
    as_admin.post("/admin/settings", SETTINGS)

    incidents_only = _rows(_text(as_admin.get("/admin/audit?action=incident")))
    assert incidents_only and all("incident." in row for row in incidents_only)

    settings_only = _rows(_text(as_admin.get("/admin/audit?action=settings.")))
    assert len(settings_only) == 1 and "settings.update" in settings_only[0]

    by_manager = _rows(_text(as_admin.get("/admin/audit?actor=Manager@Example.com")))
    assert by_manager and all("manager@example.com" in row for row in by_manager)
    assert any("incident.open" in row for row in by_manager)
    assert not any("settings.update" in row for row in by_manager)

    both = _rows(_text(as_admin.get("/admin/audit?action=user&actor=manager@example.com")))
    assert [("user.login" in row) for row in both] == [True]

    nothing = as_admin.get("/admin/audit?actor=nobody@example.com")
    assert nothing.status_code == 200
    assert "No events match these filters." in _text(nothing)


def test_bad_filters_are_refused_with_a_message(as_admin):
    """Is a made-up kind of action or an absurd actor refused with a 400 that says why?"""
    response = as_admin.get("/admin/audit?action=<script>")
    assert response.status_code == 400
    assert "Unknown kind of action" in _text(response)
    assert "<script>" not in _text(response)
    assert as_admin.get("/admin/audit?actor=" + "x" * 300).status_code == 400


def test_bad_page_numbers_are_refused(as_admin):
    """Does a page number that is not a whole number from 1 get a clear 400?"""
    for bad in ["0", "-1", "abc", "1.5", "", "9" * 40]:
        response = as_admin.get(f"/admin/audit?page={bad}")
        assert response.status_code == 400, bad
        assert "The page number must be a whole number from 1." in _text(response)


def test_pages_go_newest_first_and_end(as_admin):
    """With more events than fit a page, do pages link onward and stop at the last one?"""
    _record(60)
    first = _text(as_admin.get("/admin/audit?action=component"))
    assert len(_rows(first)) == 50
    assert "Page 1 of 2" in first
    assert 'href="/admin/audit?page=2&amp;action=component" rel="next"' in first
    assert "<dt>n</dt><dd>59</dd>" in _rows(first)[0]

    second = _text(as_admin.get("/admin/audit?page=2&action=component"))
    assert len(_rows(second)) == 10
    assert "<dt>n</dt><dd>0</dd>" in _rows(second)[-1]

    beyond = as_admin.get("/admin/audit?page=3&action=component")
    assert beyond.status_code == 404
    assert "the last page is 2" in _text(beyond)


def test_details_are_shown_as_text_never_as_html(as_admin, make_component):
    """If a name holds HTML, is it shown as text rather than run in my browser?"""
    make_component("<script>alert(1)</script>")
    audit.record("system", "component.update", "component", None, note={"html": "<b>x</b>"})
    db.session.commit()
    html = _text(as_admin.get("/admin/audit"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_an_empty_log_says_so(as_admin):
    """With nothing but my login recorded, does the page still read well?"""
    html = _text(as_admin.get("/admin/audit?action=maintenance"))
    assert "0 events" in html
    assert "No events match these filters." in html
