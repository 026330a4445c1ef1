"""What another site pastes to show this page's status: the choices, checked, and the snippets.

The admin's Embed page and the public embed views share these rules: the themes
and positions the embeds understand, the badge label's limit, and the exact HTML
offered for copying (the preview renders the same HTML, so what is seen is what
is pasted).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import escape

from app.services import validate
from app.services.errors import Invalid

# The card's themes: light is the default, as most host pages are light; "auto" follows
# the visitor's system setting (a dark card on a light page when the OS is dark).
THEMES = ("light", "dark", "auto")
DEFAULT_THEME = "light"
POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")
MAX_LABEL = 40
# The iframe's first height: the card with one incident. The card then tells the
# resize script its real height (static/embed/frame.js and resize.js).
FRAME_WIDTH, FRAME_HEIGHT = 340, 150
# No frame of the browser's around the card's own border; never wider than the host's column.
FRAME_STYLE = "border:0;max-width:100%"


@dataclass(frozen=True)
class EmbedOptions:
    theme: str = DEFAULT_THEME
    position: str = POSITIONS[0]
    background: str | None = None  # the pop-up's colour; None follows the status
    component: str | None = None  # a component's code for its own badge; None: the page's
    label: str | None = None  # the badge's left-hand text; None: "status" or the component


@dataclass(frozen=True)
class Snippet:
    id: str
    title: str
    help: str
    code: str


def badge_label(value: str | None) -> str | None:
    """A badge label: stripped, at most MAX_LABEL characters, no control characters."""
    value = (value or "").strip()
    if len(value) > MAX_LABEL:
        raise Invalid(f"Badge label is too long (at most {MAX_LABEL} characters).", "label")
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise Invalid("Badge label contains control characters.", "label")
    return value or None


def check_theme(value: str | None) -> str:
    value = value or DEFAULT_THEME
    if value not in THEMES:
        raise Invalid("Theme must be light, dark or auto.", "theme")
    return value


def check_position(value: str | None) -> str:
    value = value or POSITIONS[0]
    if value not in POSITIONS:
        raise Invalid(f"Position must be one of {', '.join(POSITIONS)}.", "position")
    return value


def check_background(value: str | None) -> str | None:
    return validate.color(value, "pop-up colour") if value else None


def check_component(value: str | None, codes: list[str]) -> str | None:
    if value and value not in codes:
        raise Invalid("No such component.", "component")
    return value or None


def parse_options(
    *,
    theme: str | None,
    position: str | None,
    background: str | None,
    component: str | None,
    label: str | None,
    component_codes: list[str],
) -> EmbedOptions:
    """The embed options from what was chosen; `component_codes` are the badges on offer."""
    return EmbedOptions(
        theme=check_theme(theme),
        position=check_position(position),
        background=check_background(background),
        component=check_component(component, component_codes),
        label=badge_label(label),
    )


def _query(**values: str | None) -> str:
    present = {name: value for name, value in values.items() if value}
    return f"?{urlencode(present)}" if present else ""


def _attr(value: str) -> str:
    return str(escape(value))


def snippets(
    base_url: str, page_name: str, options: EmbedOptions, *, preview: bool = False
) -> list[Snippet]:
    """The script, iframe and badge snippets for a Herald served at `base_url`.

    `preview` makes the pop-up show even while all is well (`data-preview`), so the
    Embed page can show what it looks like.
    """
    base = base_url.rstrip("/")
    title = _attr(f"{page_name}: current status")
    background = f' data-background="{options.background}"' if options.background else ""
    background += " data-preview" if preview else ""
    theme = None if options.theme == DEFAULT_THEME else options.theme
    badge_path = f"/components/{options.component}/badge.svg" if options.component else "/badge.svg"
    badge_src = _attr(f"{base}{badge_path}{_query(label=options.label)}")
    return [
        Snippet(
            "embed-script",
            "Pop-up notice",
            "A script tag: shows a small notice in a corner of your site while an incident "
            "or maintenance is active, and nothing otherwise.",
            f'<script src="{base}/embed/script.js" async '
            f'data-position="{options.position}"{background}></script>',
        ),
        Snippet(
            "embed-iframe",
            "Status card",
            "An iframe with the current status and active incidents. The script beside it "
            "lets the card set its own height; without it the card keeps the height given.",
            f'<iframe src="{base}/embed/frame{_query(theme=theme)}" title="{title}" '
            f'width="{FRAME_WIDTH}" height="{FRAME_HEIGHT}" style="{FRAME_STYLE}"></iframe>\n'
            f'<script src="{base}/embed/resize.js" async></script>',
        ),
        Snippet(
            "embed-badge",
            "Badge",
            "An image with the current status, linked to the status page: for a README or "
            "a footer.",
            f'<a href="{base}/"><img src="{badge_src}" alt="{title}"></a>',
        ),
    ]
