"""Markdown to sanitised HTML, for every text a manager writes."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is escaped by markdown-it (html=False); nh3 then
# enforces the allowlist on what markdown produced, so nothing a manager
# types can run in a visitor's browser.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("table")
_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    html = _md.render(text)
    # Headings in user text start at h2-level meaning; the page owns h1.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for `text` (markdown)."""
    return Markup(_render(text or ""))  # noqa: S704 - sanitised by nh3 above
