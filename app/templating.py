"""Template filters and globals: markdown, local times, status labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import inspect

from app import database
from app.extensions import db
from app.markup import render_markdown
from app.models import ComponentStatus, IncidentStatus, PageSettings, utcnow
from app.services.page import default_settings, get_settings

_LAST_SETTINGS = "herald_last_page_settings"


def page_settings() -> PageSettings:
    """The page settings, read once per request.

    While the database cannot be asked, the last settings this process read
    (or the defaults), so error pages and stale pages still render; check
    `settings_are_fallback()` before caching anything made from them.
    """
    if "page_settings" not in g:
        g.page_settings = _read_settings()
    return g.page_settings


def settings_are_fallback() -> bool:
    """Whether this request's page settings stand in for a database that did not answer."""
    return g.get("page_settings_fallback", False)


def _read_settings() -> PageSettings:
    outage = database.outage()
    if not outage.skip():
        try:
            settings = get_settings()
        except Exception as exc:
            if not database.unavailable(exc):
                raise
            outage.failed(exc)
            _discard_session()
        else:
            _remember(settings)
            return settings
    g.page_settings_fallback = True
    return current_app.extensions.get(_LAST_SETTINGS) or default_settings()


def _remember(settings: PageSettings) -> None:
    """Keep a detached copy: the request's own object expires when its session ends."""
    last = current_app.extensions.get(_LAST_SETTINGS)
    if last is not None and last.version == settings.version:
        return
    values = {
        column.key: getattr(settings, column.key) for column in inspect(PageSettings).column_attrs
    }
    current_app.extensions[_LAST_SETTINGS] = PageSettings(**values)


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing left to roll back
        db.session.remove()


def page_zone() -> ZoneInfo:
    try:
        return ZoneInfo(page_settings().time_zone)
    except Exception:  # a zone removed from tzdata since it was saved
        return ZoneInfo("UTC")


def format_time(value: datetime | None, style: str = "datetime") -> Markup:
    """`<time>` in the page's zone.

    Public pages: static/js/localtime.js rewrites it to the visitor's zone. Admin pages:
    it stays in the page's zone with its UTC offset ("06:12 (UTC+01:00)"), the zone the
    admin's inputs are read in, so a heading and the input below it never disagree.
    """
    if value is None:
        return Markup("")
    iso = value.isoformat(timespec="seconds")
    if has_request_context() and request.blueprint == "admin":
        text = zone_time_text(value, page_zone(), style)
        return Markup('<time datetime="{}">{}</time>').format(iso, text)
    local = value.astimezone(page_zone())
    if style == "date":
        text = local.strftime("%b %-d, %Y")
    elif style == "time":
        text = local.strftime("%H:%M %Z")
    else:
        text = local.strftime("%b %-d, %Y %H:%M %Z")
    return Markup('<time datetime="{}" data-style="{}">{}</time>').format(iso, style, text)


def utc_offset(value: datetime, zone: ZoneInfo) -> str:
    """ "UTC+01:00": `zone`'s offset at `value` (it changes with summer time)."""
    offset = value.astimezone(zone).strftime("%z") or "+0000"
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_time_text(value: datetime, zone: ZoneInfo, style: str = "datetime") -> str:
    """ "Nov 28, 2026 06:12 (UTC+01:00)"; a date alone carries no offset."""
    local = value.astimezone(zone)
    if style == "date":
        return local.strftime("%b %-d, %Y")
    clock = local.strftime("%H:%M" if style == "time" else "%b %-d, %Y %H:%M")
    return f"{clock} ({utc_offset(value, zone)})"


def zone_label() -> str:
    """What admin date inputs say they are read in: "Europe/Paris (now UTC+01:00)"."""
    zone = page_zone()
    return f"{zone.key} (now {utc_offset(utcnow(), zone)})"


def status_label(value: ComponentStatus | IncidentStatus) -> str:
    """A status in words: "Major Outage", "In progress"."""
    return value.label


def init_app(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(status_label, "status_label")
    app.jinja_env.globals.update(
        page_settings=page_settings,
        zone_label=zone_label,
        page_zone=page_zone,
        ComponentStatus=ComponentStatus,
        IncidentStatus=IncidentStatus,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
