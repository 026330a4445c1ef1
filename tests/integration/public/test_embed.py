"""What other sites embed: the widget script, the iframe card and the SVG badges."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.models import utcnow
from app.public.embed import text_width
from app.services import incidents, maintenance
from tests.e2e.helpers import validate_html

SVG = "{http://www.w3.org/2000/svg}"
SITE = "https://status.example.com"


@pytest.fixture(autouse=True)
def fresh_site(app, monkeypatch):
    """A known public address (the `app` fixture has already emptied the render cache)."""
    monkeypatch.setitem(app.config, "SITE_URL", SITE)


def open_incident(impact="critical", components=None, name="Checkout failing"):
    return incidents.open_incident(
        name=name, impact=impact, message="We are investigating.", components=components or {}
    )


def start_maintenance(component_ids=()):
    now = utcnow()
    window = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Planned work.",
        scheduled_for=now - timedelta(minutes=1),
        scheduled_until=now + timedelta(hours=1),
        component_ids=component_ids,
    )
    maintenance.tick(now=now)
    return window


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


# -- the widget script --------------------------------------------------------------


def test_script_is_cacheable_javascript_any_site_can_load(app, client):
    """Is the widget served as cacheable JavaScript with CORS open to every origin?"""
    response = client.get("/embed/script.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers

    again = client.get("/embed/script.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_script_never_parses_server_data_as_html_and_sets_no_cookie(app, client):
    """Does the script stay clear of innerHTML and cookies, and render in a shadow root?"""
    source = client.get("/embed/script.js").get_data(as_text=True)
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert forbidden not in code, forbidden
    assert "document.cookie" not in code
    assert "localStorage" not in code
    assert "attachShadow" in code
    assert "textContent" in code
    assert 'credentials: "omit"' in code
    assert "api/v2/summary.json" in code
    assert "document.currentScript" in code
    for position in ("bottom-right", "bottom-left", "top-right", "top-left"):
        assert f'"{position}"' in code
    assert "data-" in code and "60000" in code


# -- the iframe card ----------------------------------------------------------------


def test_frame_may_be_framed_anywhere_while_other_pages_stay_self(app, client):
    """Can any site frame the card, while the status page and feeds still refuse?"""
    frame = client.get("/embed/frame")
    assert frame.status_code == 200
    directives = csp_directives(frame)
    assert directives["frame-ancestors"] == "*"
    assert directives["default-src"] == "'none'"
    # One script of its own: it tells the framing page its height (static/embed/frame.js).
    assert directives["script-src"] == "'self'", "the card runs only its own script"
    assert "X-Frame-Options" not in frame.headers

    cached = client.get("/embed/frame", headers={"If-None-Match": frame.headers["ETag"]})
    assert cached.status_code == 304
    assert csp_directives(cached)["frame-ancestors"] == "*"

    for url in ("/", "/history.atom", "/badge.svg", "/embed/script.js"):
        directives = csp_directives(client.get(url))
        assert directives["frame-ancestors"] in ("'self'", "'none'"), url
    assert csp_directives(client.get("/admin/login"))["frame-ancestors"] == "'none'"


def test_frame_says_all_is_well_when_nothing_is_wrong(app, client):
    """Does a quiet page's card say so, and link to the status page in a new tab?"""
    html = client.get("/embed/frame").get_data(as_text=True)
    assert "Herald Status" in html
    assert "All Systems Operational" in html
    assert 'class="incidents"' not in html
    assert f'href="{SITE}/" target="_blank" rel="noopener"' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/embed/frame.js" defer>'], "only its height reporter"


def test_frame_lists_active_incidents_and_maintenance(app, client, make_component):
    """Does the card show the overall status and each active incident and maintenance?"""
    api = make_component("API")
    incident = open_incident(impact="major", components={api.id: "partial_outage"})
    window = start_maintenance()
    resolved = open_incident(name="Old trouble")
    incidents.post_update(resolved, status="resolved", message="Fixed.")

    html = client.get("/embed/frame").get_data(as_text=True)

    assert "Partial System Outage" in html
    assert "indicator-major" in html
    assert f'href="{SITE}/incidents/{incident.id}"' in html
    assert "Checkout failing" in html and "Investigating" in html
    assert f'href="{SITE}/incidents/{window.id}"' in html and "In progress" in html
    assert "Old trouble" not in html


def test_frame_escapes_incident_names(app, client):
    """Is a name with markup shown as text in the card?"""
    open_incident(name='<img src=x onerror="alert(1)">')
    html = client.get("/embed/frame").get_data(as_text=True)
    assert "<img" not in html
    assert "&lt;img src=x" in html


def test_frame_is_light_unless_asked(app, client):
    """Does the card stay light on a light host page even when my system is dark?"""
    html = client.get("/embed/frame").get_data(as_text=True)
    assert 'class="theme-light"' in html
    assert '<meta name="color-scheme" content="light">' in html
    auto = client.get("/embed/frame?theme=auto").get_data(as_text=True)
    assert 'class="theme-auto"' in auto
    assert '<meta name="color-scheme" content="light dark">' in auto


def test_resize_script_is_served_to_any_site(app, client):
    """Can another site load the script that lets the card size itself?"""
    response = client.get("/embed/resize.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    source = response.get_data(as_text=True)
    assert "event.origin !== origin" in source, "it listens to its own Herald only"


@pytest.mark.parametrize("theme", ["light", "dark", "auto"])
def test_frame_theme_can_be_forced(app, client, theme):
    """Can the embedding site force a light or dark card?"""
    html = client.get(f"/embed/frame?theme={theme}").get_data(as_text=True)
    assert f'class="theme-{theme}"' in html
    scheme = "light dark" if theme == "auto" else theme
    assert f'<meta name="color-scheme" content="{scheme}">' in html
    plain = client.get("/embed/frame?theme=neon").get_data(as_text=True)
    assert "theme-neon" not in plain


def test_frame_is_valid_html5(app, client):
    """Does the card pass the Nu HTML checker, quiet and with an incident?"""
    quiet = client.get("/embed/frame").get_data(as_text=True)
    open_incident(name="Errors & timeouts")
    busy = client.get("/embed/frame?theme=dark").get_data(as_text=True)
    assert validate_html({"quiet": quiet, "busy": busy}) == {"quiet": [], "busy": []}


def test_frame_stylesheet_is_served(app, client):
    """Is the card's stylesheet there, with both colour schemes?"""
    response = client.get("/static/embed/frame.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    assert "prefers-color-scheme: dark" in css and ".theme-dark" in css
    response.close()


# -- badges ------------------------------------------------------------------------------


def parse_badge(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"]
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]
    fills = [r.get("fill") for r in root.find(f"{SVG}g").iter(f"{SVG}rect")]
    return root, texts, fills


def test_page_badge_when_operational(app, client):
    """Does the page badge say operational, in green, with an accessible title?"""
    root, texts, fills = parse_badge(client.get("/badge.svg"))
    assert texts == ["status", "operational"]
    assert fills[:2] == ["#555555", "#1a7f37"]
    assert root.findtext(f"{SVG}title") == "status: operational"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "status: operational"


@pytest.mark.parametrize(
    ("impact", "message", "colour"),
    [
        ("minor", "minor outage", "#9a6700"),
        ("major", "partial outage", "#bc4c00"),
        ("critical", "major outage", "#cf222e"),
    ],
)
def test_page_badge_follows_the_worst_open_incident(app, client, impact, message, colour):
    """Does the page badge's text and colour follow the page indicator?"""
    open_incident(impact=impact)
    _, texts, fills = parse_badge(client.get("/badge.svg"))
    assert texts == ["status", message]
    assert fills[1] == colour


def test_page_badge_during_maintenance(app, client):
    """Does the page badge turn blue while maintenance is in progress?"""
    start_maintenance()
    _, texts, fills = parse_badge(client.get("/badge.svg"))
    assert texts == ["status", "maintenance"]
    assert fills[1] == "#0969da"


@pytest.mark.parametrize(
    ("status", "message", "colour"),
    [
        ("operational", "operational", "#1a7f37"),
        ("degraded_performance", "degraded performance", "#9a6700"),
        ("partial_outage", "partial outage", "#bc4c00"),
        ("major_outage", "major outage", "#cf222e"),
        ("under_maintenance", "under maintenance", "#0969da"),
    ],
)
def test_component_badge_per_status(app, client, make_component, status, message, colour):
    """Does a component's badge name it and show its status in words and colour?"""
    component = make_component("Object storage", status=status)
    root, texts, fills = parse_badge(client.get(f"/components/{component.code}/badge.svg"))
    assert texts == ["Object storage", message]
    assert fills[:2] == ["#555555", colour]
    assert root.findtext(f"{SVG}title") == f"Object storage: {message}"


def test_badge_width_follows_its_text(app, client):
    """Is a longer label given a wider badge (text width estimated on the server)?"""
    short, _, _ = parse_badge(client.get("/badge.svg?label=up"))
    long, _, _ = parse_badge(client.get("/badge.svg?label=Everything%20we%20run"))
    assert float(long.get("width")) > float(short.get("width"))
    assert text_width("WWW") > text_width("iii")
    assert text_width("漢字") == 22.0


def test_badge_label_is_escaped(app, client):
    """Is a label with markup kept as text in a well-formed SVG?"""
    label = '<a href="x">&'
    root, texts, _ = parse_badge(client.get("/badge.svg", query_string={"label": label}))
    assert texts[0] == label
    assert root.findtext(f"{SVG}title") == f"{label}: operational"
    assert root.find(f".//{SVG}a") is None


def test_badge_label_limits(app, client):
    """Is an overlong or control-character label refused, and a blank one defaulted?"""
    assert client.get("/badge.svg", query_string={"label": "x" * 41}).status_code == 400
    assert client.get("/badge.svg", query_string={"label": "a\u0007b"}).status_code == 400
    _, texts, _ = parse_badge(client.get("/badge.svg", query_string={"label": "x" * 40}))
    assert texts[0] == "x" * 40
    _, texts, _ = parse_badge(client.get("/badge.svg?label=%20"))
    assert texts[0] == "status"


def test_badge_moves_with_the_next_change(app, client, make_component):
    """Does a badge change on the very next request after a status change?"""
    component = make_component("API")
    url = f"/components/{component.code}/badge.svg"
    _, before, _ = parse_badge(client.get(url))
    open_incident(components={component.id: "major_outage"})
    _, after, _ = parse_badge(client.get(url))
    assert before[1] == "operational" and after[1] == "major outage"


@pytest.mark.parametrize("suffix", ["badge.svg", "badge.svg?label=x"])
def test_unknown_component_badge_is_404(app, client, suffix):
    """Does a badge for a component that does not exist say so?"""
    assert client.get(f"/components/nosuchthing0/{suffix}").status_code == 404
