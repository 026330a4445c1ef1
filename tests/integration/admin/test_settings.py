"""Page settings."""

from __future__ import annotations

import pytest

from app.services.page import get_settings

GOOD = {
    "name": "Acme Status",
    "logo_url": "https://acme.example/logo.svg",
    "accent_color": "#AA3300",
    "support_url": "https://acme.example/help",
    "time_zone": "Europe/Paris",
}


def _saved():
    from app.extensions import db

    db.session.expire_all()
    return get_settings()


def test_settings_form_shows_current_values_with_labels(as_admin):
    """Does the settings page show every setting, labelled, with the current values?"""
    html = as_admin.get("/admin/settings").get_data(as_text=True)
    for field_id, label in [
        ("name", "Page name"),
        ("logo_url", "Logo URL"),
        ("accent_color", "Accent colour"),
        ("support_url", "Support URL"),
        ("time_zone", "Display time zone"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in html
    assert 'type="color"' in html and 'value="#1f6feb"' in html
    assert '<option selected value="Etc/UTC">' in html
    assert '<option value="Europe/Paris">' in html


def test_saving_settings_changes_the_page(as_admin):
    """After I save new settings, does the page use them?"""
    version = _saved().version
    response = as_admin.post("/admin/settings", GOOD)
    assert response.status_code == 302
    saved = _saved()
    assert saved.name == "Acme Status"
    assert saved.accent_color == "#aa3300"
    assert saved.time_zone == "Europe/Paris"
    assert saved.version > version
    page = as_admin.get("/admin/settings").get_data(as_text=True)
    assert "Settings saved." in page
    assert "Acme Status" in page


def test_optional_links_can_be_cleared(as_admin):
    """Can I remove the logo and support links again?"""
    as_admin.post("/admin/settings", GOOD)
    cleared = {**GOOD, "logo_url": "", "support_url": ""}
    assert as_admin.post("/admin/settings", cleared).status_code == 302
    saved = _saved()
    assert saved.logo_url is None and saved.support_url is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the page name."),
        ("name", "   ", "Enter the page name."),
        ("name", "x" * 101, "At most 100 characters."),
        ("logo_url", "ftp://acme.example/logo.png", "Logo URL must be an http:// or https://"),
        ("support_url", "https://" + "a" * 500, "At most 500 characters."),
        ("accent_color", "red", "Accent colour must look like #1f6feb."),
        ("accent_color", "#12345", "Accent colour must look like #1f6feb."),
        ("time_zone", "Mars/Olympus_Mons", "Time zone must be an IANA name"),
        ("time_zone", "", "Time zone must be an IANA name"),
        # A region alone is a directory of zone files, and a long name no file can have.
        ("time_zone", "Europe", "Time zone must be an IANA name"),
        ("time_zone", "x" * 300, "Time zone must be an IANA name"),
    ],
)
def test_bad_settings_are_explained_and_nothing_is_saved(as_admin, field, value, message):
    """If a setting is wrong, am I told which and why, with nothing saved?"""
    response = as_admin.post("/admin/settings", {**GOOD, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "The settings were not saved" in html
    assert 'aria-invalid="true"' in html
    saved = _saved()
    assert saved.name == "Herald Status" and saved.time_zone == "Etc/UTC"


def test_every_mistake_is_shown_at_once(as_admin):
    """If several settings are wrong, am I told about all of them in one go?"""
    bad = {**GOOD, "name": "", "logo_url": "ftp://x", "support_url": "mailto:a", "time_zone": "X"}
    html = as_admin.post("/admin/settings", bad).get_data(as_text=True)
    assert "Enter the page name." in html
    assert "Logo URL must be an http:// or https:// address." in html
    assert "Support URL must be an http:// or https:// address." in html
    assert "Time zone must be an IANA name such as Europe/Paris." in html


def test_settings_point_to_the_embed_page(as_admin):
    """Are the embed snippets one click away from the settings, on their own page?"""
    html = as_admin.get("/admin/settings").get_data(as_text=True)
    assert '<h2 id="embed-heading">Embed this status</h2>' in html
    assert 'href="/admin/embed"' in html
    assert "<pre" not in html


def test_settings_need_a_csrf_token(as_admin):
    """Can another site change my page settings through my browser?"""
    response = as_admin.client.post("/admin/settings", data=GOOD)
    assert response.status_code == 400
    assert _saved().name == "Herald Status"
