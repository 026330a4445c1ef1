"""The Embed page: snippets to copy, their options, and the previews."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from app.services.embed import EmbedOptions, snippets


def _codes(html: str) -> dict[str, str]:
    """Each snippet's code as a person copies it (the text of its <code>)."""
    found = re.findall(r'<code id="(embed-[a-z]+)-code">(.*?)</code>', html, flags=re.S)
    return {name: html_lib.unescape(code) for name, code in found}


@pytest.fixture
def site_browser(other_app, admin_user):
    from tests.conftest import Browser

    site = other_app(SITE_URL="http://status.acme.example/")
    browser = Browser(site.test_client())
    browser.login(admin_user.email)
    return browser


def test_embed_page_offers_three_snippets_for_the_site_address(site_browser):
    """Can I copy a script tag, an iframe and a badge that point at my site?"""
    response = site_browser.get("/admin/embed")
    assert response.status_code == 200
    codes = _codes(response.get_data(as_text=True))
    assert codes["embed-script"] == (
        '<script src="http://status.acme.example/embed/script.js" async '
        'data-position="bottom-right"></script>'
    )
    assert codes["embed-iframe"].startswith(
        '<iframe src="http://status.acme.example/embed/frame" title="Herald Status: current status"'
    )
    assert 'style="border:0;max-width:100%"' in codes["embed-iframe"], "no double frame"
    assert (
        '<script src="http://status.acme.example/embed/resize.js" async>' in codes["embed-iframe"]
    )
    assert codes["embed-badge"] == (
        '<a href="http://status.acme.example/"><img src="http://status.acme.example/badge.svg" '
        'alt="Herald Status: current status"></a>'
    )


def test_options_change_the_snippets(site_browser, make_component):
    """Do the theme, position, colour, component and label I pick end up in the code?"""
    api = make_component("API")
    response = site_browser.get(
        "/admin/embed",
        query_string={
            "theme": "dark",
            "position": "top-left",
            "background": "#123456",
            "component": api.code,
            "label": 'Our "API"',
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    codes = _codes(page)
    assert 'data-position="top-left" data-background="#123456"' in codes["embed-script"]
    assert '/embed/frame?theme=dark"' in codes["embed-iframe"]
    assert (
        f'src="http://status.acme.example/components/{api.code}/badge.svg?label=Our+%22API%22"'
        in codes["embed-badge"]
    )
    assert '<option selected value="dark">' in page
    assert f'<option selected value="{api.code}">API</option>' in page


def test_refused_options_say_why_and_keep_working_snippets(site_browser):
    """If an option makes no sense, am I told which, and still offered working code?"""
    response = site_browser.get(
        "/admin/embed",
        query_string={
            "theme": "neon",
            "position": "middle",
            "background": "red",
            "component": "nope",
            "label": "x" * 41,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Some options were not understood" in page
    for message in (
        "Theme must be light, dark or auto.",
        "Position must be one of bottom-right, bottom-left, top-right, top-left.",
        "Pop-up colour must look like #1f6feb.",
        "No such component.",
        "Badge label is too long. At most 40 characters.",
    ):
        assert message in page, message
    codes = _codes(page)
    assert set(codes) == {"embed-script", "embed-iframe", "embed-badge"}
    assert 'data-position="bottom-right"' in codes["embed-script"]


def test_snippets_escape_the_page_name():
    """Does a page name with quotes still give snippets that paste as valid HTML?"""
    codes = {s.id: s.code for s in snippets("https://s.example", 'A "B" <C>', EmbedOptions())}
    assert 'title="A &#34;B&#34; &lt;C&gt;: current status"' in codes["embed-iframe"]
    assert 'alt="A &#34;B&#34; &lt;C&gt;: current status"' in codes["embed-badge"]


def test_previews_run_the_snippets_on_a_page_only_the_admin_may_frame(as_manager):
    """Does the preview page hold the snippet as pasted, framed only by Herald itself?"""
    response = as_manager.get("/admin/embed/preview/embed-iframe?theme=auto")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<iframe src="/embed/frame?theme=auto"' in page
    assert '<script src="/embed/resize.js" async></script>' in page
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    script = as_manager.get("/admin/embed/preview/embed-script").get_data(as_text=True)
    assert "data-preview" in script, "the preview shows the notice even when all is well"
    assert as_manager.get("/admin/embed/preview/embed-other").status_code == 404
    assert as_manager.get("/admin/embed").headers["X-Frame-Options"] == "DENY"


def test_embed_page_is_in_the_admin_nav(as_manager):
    """Can a manager find the Embed page from any admin page?"""
    html = as_manager.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/embed">Embed</a>' in html
