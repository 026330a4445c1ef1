"""The status colours: one set for the pages, the badges and the embedded widget."""

from __future__ import annotations

import re
from pathlib import Path

from app.models import ComponentStatus
from app.public.embed import INDICATOR_BADGES, STATUS_COLOURS
from app.services.page import contrast_ratio

STATIC = Path(__file__).resolve().parents[2] / "static"
STATUS_CSS = STATIC / "css" / "status-colours.css"
# The stylesheet names each status colour by how bad it is.
CSS_NAMES = {
    ComponentStatus.OPERATIONAL: "ok",
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "partial",
    ComponentStatus.MAJOR_OUTAGE: "major",
    ComponentStatus.UNDER_MAINTENANCE: "maint",
}
_PROPERTY = re.compile(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})")


def _blocks() -> list[dict[str, str]]:
    """The custom properties of each rule of status-colours.css, in order."""
    css = re.sub(r"/\*.*?\*/", "", STATUS_CSS.read_text(encoding="utf-8"), flags=re.S)
    return [dict(_PROPERTY.findall(block)) for block in re.findall(r"\{([^{}]*)\}", css)]


def test_pages_badges_and_widget_paint_each_status_alike():
    """Is a major outage the same red on the status page, on its badge and in the widget
    another site embeds (and so for every status)?"""
    light, *dark = _blocks()
    assert {status: light[name] for status, name in CSS_NAMES.items()} == STATUS_COLOURS
    widget = (STATIC / "embed" / "widget.js").read_text(encoding="utf-8")
    table = re.search(r"var BACKGROUNDS = \{(.*?)\};", widget, re.S).group(1)
    backgrounds = dict(re.findall(r'(\w+): "(#[0-9a-f]{6})"', table))
    assert backgrounds == {str(key): colour for key, (_, colour) in INDICATOR_BADGES.items()}
    assert len(dark) == 2 and dark[0] == dark[1], "the two dark blocks must not drift apart"


def test_no_other_stylesheet_defines_a_status_colour():
    """Is status-colours.css the only place a status colour can be changed?"""
    names = {f"--{name}" for name in CSS_NAMES.values()} | {
        f"--{name}-bg" for name in CSS_NAMES.values()
    }
    for sheet in STATIC.rglob("*.css"):
        if sheet != STATUS_CSS:
            defined = {f"--{name}" for name, _ in _PROPERTY.findall(sheet.read_text())}
            assert not defined & names, f"{sheet.name} defines {sorted(defined & names)}"


def test_white_text_is_readable_on_every_badge_colour():
    """Can the white words on a status badge be read (WCAG AA, 4.5:1)?"""
    for status, colour in STATUS_COLOURS.items():
        assert contrast_ratio(colour, "#ffffff") >= 4.5, status


def test_status_words_are_readable_on_their_tint_in_both_schemes():
    """Is a status written in its colour on its tinted background readable (WCAG AA),
    in the light and in the dark scheme?"""
    light, dark, _ = _blocks()
    for scheme in (light, dark):
        for name in CSS_NAMES.values():
            assert contrast_ratio(scheme[name], scheme[f"{name}-bg"]) >= 4.5, (name, scheme)
