"""The Embed page in a browser: copy buttons, live previews, and a card that sizes itself."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_user, login

pytestmark = pytest.mark.browser

EMAIL = "embed-admin@example.com"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        """Keep the test output free of one line per request."""


@pytest.fixture
def host_site(tmp_path):
    """Another origin serving `publish(html)` pages; returns their URL."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="host-site", daemon=True)
    thread.start()

    def publish(body: str, name: str = "host.html") -> str:
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>'
            f"</head><body><h1>A light host page</h1>{body}</body></html>"
        )
        (tmp_path / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield publish
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def embed_admin(live_server):
    live_server.reset()
    create_user(live_server.app, EMAIL, "admin")
    return EMAIL


def _open_incidents(app, names):
    from app.services import components, incidents

    with app.app_context():
        component = components.create_component(name="Checkout", actor="test")
        for name in names:
            incidents.open_incident(
                name=name,
                impact="major",
                message="Looking into it.",
                components={component.id: "partial_outage"},
                actor="test",
            )


def _snippet(app, snippet_id: str, base: str, **options) -> str:
    from app.services.embed import EmbedOptions, snippets

    with app.app_context():
        found = snippets(base, "Acme", EmbedOptions(**options))
    return next(s.code for s in found if s.id == snippet_id)


def test_copy_button_puts_the_snippet_on_the_clipboard(new_page, live_server, embed_admin):
    """Does “Copy” put exactly the shown code on my clipboard, and say it did?"""
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, live_server.url, embed_admin)
    page.goto(f"{live_server.url}/admin/embed")
    button = page.get_by_role("button", name="Copy badge code")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#embed-output .copy-status").nth(2)).to_have_text("Copied.")
    shown = page.locator("#embed-badge-code").text_content()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    assert shown.startswith("<a href=")


def test_copy_buttons_stay_hidden_without_javascript(new_page, live_server, embed_admin):
    """Without JavaScript, is the code still there to select, and no dead button shown?"""
    page = new_page(java_script_enabled=False)
    login(page, live_server.url, embed_admin)
    page.goto(f"{live_server.url}/admin/embed?theme=dark")
    expect(page.get_by_role("button", name="Copy badge code")).to_be_hidden()
    expect(page.locator("#embed-iframe-code")).to_contain_text("/embed/frame?theme=dark")


def test_options_update_snippets_and_previews_live(new_page, live_server, embed_admin):
    """When I pick a theme and a corner, do the code and the previews follow at once?"""
    _open_incidents(live_server.app, ["Checkout errors"])
    page = new_page()
    login(page, live_server.url, embed_admin)
    page.goto(f"{live_server.url}/admin/embed")

    card = page.frame_locator(".embed-preview-embed-iframe").frame_locator("iframe")
    expect(card.get_by_text("Checkout errors")).to_be_visible()
    page.get_by_label("Card theme").focus()
    page.get_by_label("Card theme").select_option("dark")
    expect(page.locator("#embed-iframe-code")).to_contain_text("/embed/frame?theme=dark")
    expect(page.get_by_label("Card theme")).to_be_focused()
    card = page.frame_locator(".embed-preview-embed-iframe").frame_locator("iframe")
    expect(card.locator("html.theme-dark")).to_have_count(1)
    assert "theme=dark" in page.url, "the address keeps the options, to share or reload"

    page.get_by_label("Pop-up position").select_option("top-left")
    expect(page.locator("#embed-script-code")).to_contain_text('data-position="top-left"')
    notice = page.frame_locator(".embed-preview-embed-script").locator("herald-status aside")
    expect(notice).to_contain_text("Checkout errors")
    box = notice.bounding_box()
    frame_box = page.locator(".embed-preview-embed-script").bounding_box()
    assert box["x"] - frame_box["x"] < 40 and box["y"] - frame_box["y"] < 40, (box, frame_box)


def test_card_sizes_itself_on_another_site(new_page, live_server, host_site):
    """With two incidents open, is the whole card shown, borderless, on a light host page
    even when my system is dark?"""
    live_server.reset()
    _open_incidents(
        live_server.app,
        ["Payments are failing for card customers in several regions", "Search is slow"],
    )
    url = host_site(_snippet(live_server.app, "embed-iframe", live_server.url))
    page = new_page(color_scheme="dark")
    page.goto(url)
    frame = page.locator("iframe")
    card = page.frame_locator("iframe")
    expect(card.get_by_text("Search is slow")).to_be_visible()
    card_height = card.locator("main").evaluate("node => node.getBoundingClientRect().height")
    assert card_height > 150, "two incidents do not fit the first height"
    page.wait_for_function(
        "want => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - want)"
        " <= 1",
        arg=card_height,
    )
    assert frame.evaluate("node => getComputedStyle(node).borderTopWidth") == "0px"
    background = card.locator("body").evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(255, 255, 255)", "light unless asked, whatever the system says"


def test_pop_up_preview_shows_even_when_all_is_well(new_page, live_server, embed_admin):
    """With nothing wrong, does the preview still show me what the notice looks like, while
    the snippet I copy stays quiet on a good day?"""
    page = new_page()
    login(page, live_server.url, embed_admin)
    page.goto(f"{live_server.url}/admin/embed?background=%23123456")
    notice = page.frame_locator(".embed-preview-embed-script").locator("herald-status aside")
    expect(notice).to_contain_text("All Systems Operational")
    colour = notice.evaluate("node => getComputedStyle(node).backgroundColor")
    assert colour == "rgb(18, 52, 86)", "the colour I picked"
    expect(page.locator("#embed-script-code")).not_to_contain_text("data-preview")
