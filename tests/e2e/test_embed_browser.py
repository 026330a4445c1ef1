"""The widget and the status card, embedded in a third-party site on another origin."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_check, describe_violations

pytestmark = pytest.mark.browser

INCIDENT = "Payments are failing"

# A host page that tries hard to break an embedded widget with its own CSS.
THIRD_PARTY_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shop</title>
  <style>
    aside, ul, li, p, a, button {{ display: none !important; color: lime !important; }}
    body {{ font-size: 40px; }}
  </style>
</head>
<body>
  <main>
    <h1>A shop somewhere else</h1>
    <iframe src="{herald}/embed/frame" title="Service status" width="320" height="200"></iframe>
  </main>
  <script src="{herald}/embed/script.js" async
          data-position="{position}" data-background="{background}"></script>
</body>
</html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        """Keep the test output free of one line per request."""


@pytest.fixture
def third_party(tmp_path, live_server):
    """Serve pages from another origin (another port); returns `publish(name, **options)`."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="third-party", daemon=True)
    thread.start()

    def publish(name="shop.html", position="bottom-right", background="#123456") -> str:
        html = THIRD_PARTY_PAGE.format(
            herald=live_server.url, position=position, background=background
        )
        (tmp_path / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield publish
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _open_incident(app, name=INCIDENT) -> int:
    from app.services import components, incidents

    with app.app_context():
        component = components.create_component(name="Payments", actor="test")
        incident = incidents.open_incident(
            name=name,
            impact="major",
            message="Card payments fail for some customers.",
            components={component.id: "partial_outage"},
            actor="test",
        )
        return incident.id


def _resolve(app, incident_id: int) -> None:
    from app.services import incidents

    with app.app_context():
        incident = incidents.get_incident(incident_id)
        incidents.post_update(
            incident, status="resolved", message="Fixed.", restore_components=True, actor="test"
        )


def _load(page, url: str, live_server):
    """Open the third-party page and wait until the widget has read the summary."""
    with page.expect_response(lambda r: r.url.endswith("/api/v2/summary.json")) as summary:
        page.goto(url)
    assert summary.value.ok
    assert summary.value.headers.get("access-control-allow-origin") == "*"


def test_widget_and_card_show_an_active_incident_on_another_site(page, live_server, third_party):
    """Does a visitor of another site see the pop-up and the card while an incident is open?"""
    live_server.reset()
    incident_id = _open_incident(live_server.app)
    url = third_party(position="top-left", background="#123456")
    assert not url.startswith(live_server.url), "the host page is on another origin"

    _load(page, url, live_server)

    popup = page.locator("herald-status")
    expect(popup.get_by_text(INCIDENT)).to_be_visible()
    expect(popup.get_by_text("Partial System Outage")).to_be_visible()
    expect(popup.get_by_text("Investigating")).to_be_visible()
    link = popup.get_by_role("link", name=INCIDENT)
    assert link.get_attribute("href").endswith(f"/incidents/{incident_id}")
    assert link.get_attribute("target") == "_blank"
    box = popup.locator("aside").bounding_box()
    assert box["x"] < 40 and box["y"] < 40, f"top-left asked for, got {box}"
    background = popup.locator("aside").evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(18, 52, 86)", "data-background #123456"
    assert popup.locator("aside").evaluate("node => getComputedStyle(node).fontSize") == "14px"

    card = page.frame_locator("iframe[title='Service status']")
    expect(card.get_by_text("Partial System Outage")).to_be_visible()
    expect(card.get_by_role("link", name=INCIDENT)).to_be_visible()

    assert page.context.cookies() == [], "embedding sets no cookies"
    violations = [v for v in axe_check(page) if v["rule"] != "frame-title"]
    assert violations == [], describe_violations(violations)


def test_nothing_pops_up_when_all_is_operational(page, live_server, third_party):
    """Does the widget stay invisible, and the card say all is well, on a quiet day?"""
    live_server.reset()

    _load(page, third_party(), live_server)

    page.wait_for_timeout(300)
    expect(page.locator("herald-status")).to_have_count(0)
    card = page.frame_locator("iframe[title='Service status']")
    expect(card.get_by_text("All Systems Operational")).to_be_visible()


def test_pop_up_goes_away_by_itself_once_resolved(page, live_server, third_party):
    """Does the widget refresh every minute and leave once the incident is resolved?"""
    live_server.reset()
    incident_id = _open_incident(live_server.app, name="Search is slow")
    # The browser's HTTP cache runs on the real clock, not the fake one: with the
    # summary's max-age the next poll would be answered from it. Routing turns it off.
    page.route("**/api/v2/summary.json", lambda route: route.continue_())
    page.clock.install()
    _load(page, third_party(position="bottom-left", background="not-a-colour"), live_server)
    popup = page.locator("herald-status")
    expect(popup.get_by_text("Search is slow")).to_be_visible()
    box = popup.locator("aside").bounding_box()
    viewport = page.viewport_size
    assert box["x"] < 40 and box["y"] + box["height"] > viewport["height"] - 40
    default = popup.locator("aside").evaluate("node => getComputedStyle(node).backgroundColor")
    assert default == "rgb(188, 76, 0)", "an invalid colour falls back to the status colour"

    _resolve(live_server.app, incident_id)
    with page.expect_response(lambda r: r.url.endswith("/api/v2/summary.json")):
        page.clock.run_for(61_000)

    expect(page.locator("herald-status")).to_have_count(0)
