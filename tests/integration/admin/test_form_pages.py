"""What every admin form page shares: its markup when a form is refused, and its stylesheets."""

from __future__ import annotations

import io
import re

from tests.e2e.helpers import validate_html

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"?]+)')
SUMMARY = re.compile(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>', re.S)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _refused_pages(as_admin, make_component) -> dict[str, str]:
    """One refused submission of each kind of admin form, as the admin sees it."""
    api = make_component("API")
    posts = {
        "incident": ("/admin/incidents/new", {"title": " ", "message": "", "component-999": "x"}),
        "backfill": ("/admin/incidents/backfill", {"title": "", "updates-0-at": "soon"}),
        "maintenance": (
            "/admin/maintenance/new",
            {"title": "x" * 201, "starts": "", "ends": "later", "components": ["999"]},
        ),
        "component": ("/admin/components/new", {"name": "", "group_id": "abc"}),
        "status": (f"/admin/components/{api.id}/status", {"status": "on_fire"}),
        "settings": ("/admin/settings", {"name": "", "url": "ftp://x", "accent_color": "red"}),
        "user": ("/admin/users/new", {"email": "", "role": "owner", "password": "short"}),
        "account": ("/admin/account/password", {"current_password": "", "password": "x"}),
        "import": ("/admin/subscribers/import", {"mode": ""}),
        "import-lines": (
            "/admin/subscribers/import",
            {"mode": "confirmed", "file": (io.BytesIO(b"email\nnot-an-address\n"), "a.csv")},
        ),
    }
    pages = {}
    for name, (url, data) in posts.items():
        response = as_admin.post(url, data=data)
        assert response.status_code == 400, (name, _text(response)[:500])
        pages[name] = _text(response)
    return pages


def test_a_refused_form_is_valid_html_and_its_summary_links_to_each_field(as_admin, make_component):
    """When a form is refused, is the page still valid HTML, and does each mistake in the
    summary on top link to an element of the page (the field to fix)?"""
    pages = _refused_pages(as_admin, make_component)
    for name, html in pages.items():
        if name == "status":
            continue  # the components list shows the refusal above the list, not a summary
        summaries = SUMMARY.findall(html)
        assert summaries, f"{name}: no summary of the mistakes on top of the form"
        for target in re.findall(r'href="#([^"]+)"', "".join(summaries)):
            assert f'id="{target}"' in html, f"{name}: the summary links to a missing #{target}"
    assert "Component status must be one of" in pages["status"]
    errors = validate_html(pages)
    assert errors == {name: [] for name in pages}


def test_every_admin_page_loads_the_same_stylesheets(as_admin, make_component):
    """Does every admin page look alike: the site's styles, the theme and the one admin
    stylesheet, whichever page it is?"""
    make_component("API")
    expected = [
        "/static/css/status-colours.css",
        "/static/css/herald.css",
        "/theme.css",
        "/static/css/admin.css",
    ]
    for url in (
        "/admin/",
        "/admin/components",
        "/admin/components/new",
        "/admin/incidents",
        "/admin/incidents/new",
        "/admin/maintenance/new",
        "/admin/users",
        "/admin/settings",
        "/admin/account",
        "/admin/audit",
        "/admin/subscribers",
        "/admin/subscribers/import",
        "/admin/deliveries/failed",
    ):
        assert STYLESHEET.findall(_text(as_admin.get(url))) == expected, url
