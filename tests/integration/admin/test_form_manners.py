"""How admin forms treat the person filling them in: every mistake at once, the cursor
where the work starts, the confirmation first after posting, components grouped."""

from __future__ import annotations

import re

from app.services import component_groups

INPUT = re.compile(r"<(?:input|textarea|select)\b[^>]*>")


def _tag(html: str, name: str) -> str:
    return next(tag for tag in INPUT.findall(html) if f'name="{name}"' in tag)


def test_new_incident_shows_every_mistake_after_one_submit(as_manager):
    """If I leave title and message empty, am I told about both at once, not one per submit?"""
    page = as_manager.get("/admin/incidents/new").get_data(as_text=True)
    for name in ("title", "message"):
        tag = _tag(page, name)
        # The browser's own check would stop at the first empty field, one message at a time.
        assert " required" not in tag, tag
        assert 'aria-required="true"' in tag, tag

    response = as_manager.post("/admin/incidents/new", {"title": "", "message": " "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Title is required." in html
    assert "Message is required." in html


def test_no_admin_form_leaves_the_check_to_the_browser(as_admin):
    """Does no admin form stop me at its first empty field before the server sees it?"""
    for url in (
        "/admin/maintenance/new",
        "/admin/components/new",
        "/admin/groups/new",
        "/admin/settings",
        "/admin/users",
        "/admin/incidents/backfill",
    ):
        html = as_admin.get(url).get_data(as_text=True)
        assert not [t for t in INPUT.findall(html) if re.search(r"\srequired[\s>=]", t)], url


def test_first_field_of_a_new_form_has_the_focus(as_admin, make_component):
    """When I open a "new" page, can I start typing at once — and on edit pages, not?"""
    for url, name in [
        ("/admin/incidents/new", "title"),
        ("/admin/maintenance/new", "title"),
        ("/admin/incidents/backfill", "title"),
        ("/admin/components/new", "name"),
        ("/admin/groups/new", "name"),
    ]:
        html = as_admin.get(url).get_data(as_text=True)
        assert "autofocus" in _tag(html, name), url
        assert html.count("autofocus") == 1, url
    component = make_component("API")
    edit = as_admin.get(f"/admin/components/{component.id}/edit").get_data(as_text=True)
    assert "autofocus" not in edit


def test_a_refused_form_puts_the_focus_on_its_mistakes(as_manager):
    """After a refused submit, does the list of mistakes take the focus, not the first field?"""
    html = as_manager.post("/admin/incidents/new", {"title": ""}).get_data(as_text=True)
    assert re.search(r'<div class="form-errors" role="alert" tabindex="-1" autofocus>', html)
    assert "autofocus" not in _tag(html, "title")
    assert html.count("autofocus") == 1


def test_after_posting_the_confirmation_has_the_focus(as_manager):
    """Once an incident is opened, does the page I land on start at the confirmation?"""
    response = as_manager.post(
        "/admin/incidents/new",
        {"title": "Slow API", "impact": "minor", "status": "investigating", "message": "Looking."},
    )
    assert response.status_code == 302
    html = as_manager.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(
        r'<div class="flash flash-success" role="status" tabindex="-1" autofocus>Incident opened.',
        html,
    )
    assert html.count("autofocus") == 1


def test_ungrouped_components_are_other_components_in_both_forms(as_manager, make_component):
    """Are components without a group listed under “Other components” when there are groups,
    in the incident form and (grouped at all) in the maintenance form?"""
    core = component_groups.create_group(name="Core services", actor="test")
    make_component("API", group_id=core.id)
    make_component("Website")
    for url in ("/admin/incidents/new", "/admin/maintenance/new"):
        html = as_manager.get(url).get_data(as_text=True)
        assert '<p class="ai-group-name">Core services</p>' in html, url
        assert '<p class="ai-group-name">Other components</p>' in html, url
        assert re.search(r"Core services</p>.*>API\b.*Other components</p>.*>Website\b", html, re.S)


def test_without_groups_there_is_no_other_components_heading(as_manager, make_component):
    """With no groups at all, is the list left plain?"""
    make_component("API")
    for url in ("/admin/incidents/new", "/admin/maintenance/new"):
        assert "Other components" not in as_manager.get(url).get_data(as_text=True)
