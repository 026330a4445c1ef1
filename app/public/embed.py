"""What other sites embed: the pop-up widget script, an iframe card, SVG badges."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from flask import Response, current_app, render_template

from app.cache import FreeText, one_of, public_cached
from app.models import ComponentStatus, Impact
from app.public import bp
from app.services.components import get_component_by_code
from app.services.embed import DEFAULT_THEME, MAX_LABEL, THEMES
from app.services.status import active_incidents, active_maintenance, current_page_status
from app.site import site_url
from app.text import for_output

# Only this card may be framed by any site; every other page keeps 'self'.
FRAME_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors *"
)
SCRIPT_CSP = "default-src 'none'; frame-ancestors 'none'"
badge_label = FreeText("label", MAX_LABEL)
# The default theme is no argument at all: `?theme=light` and no theme share one render.
frame_theme = one_of(*(theme for theme in THEMES if theme != DEFAULT_THEME))

LABEL_COLOUR = "#555555"
# The light status colours of static/css/status-colours.css, the pages' one definition (a
# test keeps them equal). White text on each meets WCAG AA (at least 4.5:1).
STATUS_COLOURS = {
    ComponentStatus.OPERATIONAL: "#1a7f37",
    ComponentStatus.DEGRADED_PERFORMANCE: "#9a6700",
    ComponentStatus.PARTIAL_OUTAGE: "#bc4c00",
    ComponentStatus.MAJOR_OUTAGE: "#cf222e",
    ComponentStatus.UNDER_MAINTENANCE: "#0969da",
}
# The page indicator in words, painted as the component status it stands for.
INDICATOR_BADGES = {
    Impact.NONE: ("operational", STATUS_COLOURS[ComponentStatus.OPERATIONAL]),
    Impact.MINOR: ("minor outage", STATUS_COLOURS[ComponentStatus.DEGRADED_PERFORMANCE]),
    Impact.MAJOR: ("partial outage", STATUS_COLOURS[ComponentStatus.PARTIAL_OUTAGE]),
    Impact.CRITICAL: ("major outage", STATUS_COLOURS[ComponentStatus.MAJOR_OUTAGE]),
    Impact.MAINTENANCE: ("maintenance", STATUS_COLOURS[ComponentStatus.UNDER_MAINTENANCE]),
}

# Advance widths of Verdana at 11px, the badge font, grouped by width.
_WIDTHS = {
    "iljI'|": 3.0,
    " f!t()[]{}-/:;,.": 4.4,
    'r"J': 4.8,
    "cszL?": 5.8,
    "FPaekvxy": 6.5,
    "bdghnopqu0123456789$*_ETYZ": 6.9,
    "ABCKRSVX#+<=>~": 7.6,
    "DGHNOQU&": 8.4,
    "wM": 9.1,
    "mW%@": 11.0,
}
_CHAR_WIDTH = {char: width for chars, width in _WIDTHS.items() for char in chars}


def with_headers(headers: dict[str, str]):
    """Set `headers` on every response of a view, 304s from the cache included."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            response = current_app.make_response(fn(*args, **kwargs))
            response.headers.update(headers)
            return response

        return wrapper

    return decorator


def _script(name: str) -> Response:
    source = Path(current_app.static_folder, "embed", name).read_text(encoding="utf-8")
    return Response(source, mimetype="application/javascript")


@bp.route("/embed/script.js")
@with_headers({"Access-Control-Allow-Origin": "*", "Content-Security-Policy": SCRIPT_CSP})
@public_cached(max_age=3600)
def embed_script():
    return _script("widget.js")


@bp.route("/embed/resize.js")
@with_headers({"Access-Control-Allow-Origin": "*", "Content-Security-Policy": SCRIPT_CSP})
@public_cached(max_age=3600)
def embed_resize_script():
    """Pasted beside the iframe: lets the card set its own height (static/embed/resize.js)."""
    return _script("resize.js")


@bp.route("/embed/frame")
@with_headers({"Content-Security-Policy": FRAME_CSP})
@public_cached(args={"theme": frame_theme})
def embed_frame(theme: str | None):
    incidents = active_incidents() + active_maintenance()
    return render_template(
        "embed/frame.html",
        status=current_page_status(),
        incidents=incidents,
        theme=theme or DEFAULT_THEME,
        site_url=site_url(),
    )


def text_width(text: str) -> float:
    """An estimate of `text`'s rendered width in the badge font, in pixels."""
    width = 0.0
    for char in text:
        if char in _CHAR_WIDTH:
            width += _CHAR_WIDTH[char]
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 11.0
        elif unicodedata.combining(char):
            continue
        else:
            width += 7.0
    return round(width, 1)


@dataclass(frozen=True)
class Part:
    text: str
    colour: str
    x: float  # the left edge
    width: float  # padded box width
    text_width: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


def badge_parts(label: str, message: str, colour: str) -> list[Part]:
    parts, x = [], 0.0
    for text, fill in ((label, LABEL_COLOUR), (message, colour)):
        if not text:
            continue
        inner = text_width(text)
        width = round(inner + 12, 1)
        parts.append(Part(text, fill, x, width, inner))
        x = round(x + width, 1)
    return parts


def render_badge(label: str, message: str, colour: str) -> Response:
    # A component name stored with a control character must not make the SVG malformed.
    label, message = for_output(label, one_line=True), for_output(message, one_line=True)
    parts = badge_parts(label, message, colour)
    svg = render_template(
        "embed/badge.svg",
        parts=parts,
        width=round(sum(p.width for p in parts), 1),
        title=f"{label}: {message}",
    )
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/badge.svg")
@public_cached(args={"label": badge_label})
def badge(label: str | None):
    message, colour = INDICATOR_BADGES[current_page_status().indicator]
    return render_badge(label or "status", message, colour)


@bp.route("/components/<code>/badge.svg")
@public_cached(args={"label": badge_label})
def component_badge(code: str, label: str | None):
    component = get_component_by_code(code)
    status = component.status
    return render_badge(label or component.name, status.label.lower(), STATUS_COLOURS[status])
