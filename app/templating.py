"""Template filters and globals: markdown, local times, status labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from markupsafe import Markup

from app.markup import render_markdown
from app.models import ComponentStatus, IncidentStatus
from app.services.page import get_settings


def page_settings():
    """The page settings, read once per request."""
    if "page_settings" not in g:
        g.page_settings = get_settings()
    return g.page_settings


def page_zone() -> ZoneInfo:
    try:
        return ZoneInfo(page_settings().time_zone)
    except Exception:  # a zone removed from tzdata since it was saved
        return ZoneInfo("UTC")


def format_time(value: datetime | None, style: str = "datetime") -> Markup:
    """`<time>` in the page's zone; static/js/localtime.js rewrites it to the visitor's."""
    if value is None:
        return Markup("")
    local = value.astimezone(page_zone())
    if style == "date":
        text = local.strftime("%b %-d, %Y")
    elif style == "time":
        text = local.strftime("%H:%M %Z")
    else:
        text = local.strftime("%b %-d, %Y %H:%M %Z")
    iso = value.isoformat(timespec="seconds")
    return Markup('<time datetime="{}" data-style="{}">{}</time>').format(iso, style, text)


def status_label(value: ComponentStatus | IncidentStatus) -> str:
    """A status in words: "Major Outage", "In progress"."""
    return value.label


def init_app(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(status_label, "status_label")
    app.jinja_env.globals.update(
        page_settings=page_settings,
        ComponentStatus=ComponentStatus,
        IncidentStatus=IncidentStatus,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
