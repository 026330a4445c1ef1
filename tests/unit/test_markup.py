"""Markdown a manager writes, as a visitor's browser receives it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.markup import render_markdown


class _Elements(HTMLParser):
    """The tags and attributes a browser would build from the HTML (text is not markup)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


_SAFE_SCHEMES = {"http", "https", "mailto"}


def _dangers(html: str) -> list[str]:
    found = []
    for tag, attrs in _Elements(html).elements:
        if tag in {"script", "iframe", "svg", "img", "object", "embed", "style"}:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            scheme = value.strip().lower().split(":", 1)[0]
            if name in {"href", "src"} and ":" in value and scheme not in _SAFE_SCHEMES:
                found.append(f"{tag}[{name}={value}]")
    return found


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](  javascript:alert(1))",
    "![x](javascript:alert(1))",
    '[x](https://example.com "a" onerror="alert(1)")',
    '<svg onload="alert(1)"></svg>',
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
]


def test_the_checker_sees_danger():
    """Would the check below notice a script link or handler if one got through?"""
    found = _dangers('<a href=" JavaScript:x()" onclick="y()">a</a><script></script>')
    assert sorted(found) == ["<script>", "a[href= JavaScript:x()]", "a[onclick]"]


@pytest.mark.parametrize("source", HOSTILE)
def test_nothing_a_manager_types_can_run_script(source):
    """Does no script, event handler or javascript: link survive rendering?"""
    html = str(render_markdown(source))
    assert _dangers(html) == []
    assert "<script" not in html.lower()


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[status](https://status.example.com/x?a=1)", "https://status.example.com/x?a=1"),
        ("[plain](http://example.com)", "http://example.com"),
        ("[write to us](mailto:ops@example.com)", "mailto:ops@example.com"),
    ],
)
def test_ordinary_links_survive(source, href):
    """Do http, https and mailto links stay clickable, marked nofollow?"""
    html = str(render_markdown(source))
    assert f'href="{href}"' in html.replace("&amp;", "&")
    assert "nofollow" in html


def test_formatting_survives():
    """Do emphasis, lists and code come through as HTML?"""
    html = str(render_markdown("**Fixed** the `cache`:\n\n- one\n- two"))
    assert "<strong>Fixed</strong>" in html
    assert "<code>cache</code>" in html
    assert html.count("<li>") == 2


def test_headings_never_compete_with_the_page_title():
    """Is a manager's top-level heading demoted below the page's own h1?"""
    html = str(render_markdown("# Root cause"))
    assert "<h1" not in html
    assert "<h2>Root cause</h2>" in html


def test_empty_text_renders_empty():
    """Does a missing body render as nothing rather than "None"?"""
    assert str(render_markdown(None)) == ""
