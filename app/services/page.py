"""Page settings and the page version that every public cache keys on."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from sqlalchemy import select, text, update

from app.cache import mark_version_bumped
from app.cache.push import PG_CHANNEL
from app.extensions import db
from app.mirror import changes as mirror_changes
from app.models import PageSettings, utcnow
from app.services import audit, validate
from app.services.errors import Invalid, NotFound
from app.services.tx import locked, transactional

SETTINGS_ID = 1
MAX_NAME = 100


def get_settings() -> PageSettings:
    """The page settings row; an unsaved default before the first migration seeds it."""
    settings = db.session.get(PageSettings, SETTINGS_ID)
    return default_settings() if settings is None else settings


def default_settings() -> PageSettings:
    """Unsaved settings with the defaults, touching no database."""
    settings = PageSettings(id=SETTINGS_ID, code="herald", name="Herald Status", version=1)
    settings.accent_color = "#1f6feb"
    settings.time_zone = "Etc/UTC"
    return settings


def current_version() -> int:
    """One indexed read: what a conditional GET costs."""
    version = db.session.scalar(select(PageSettings.version).where(PageSettings.id == SETTINGS_ID))
    return version or 0


def bump_version() -> None:
    """Mark every public output stale, in the caller's transaction."""
    # The static mirror learns what this change touched from rows written beside it.
    mirror_changes.before_bump(db.session)
    result = db.session.execute(
        update(PageSettings)
        .where(PageSettings.id == SETTINGS_ID)
        .values(version=PageSettings.version + 1, updated_at=utcnow())
    )
    if result.rowcount == 0:
        db.session.add(PageSettings(id=SETTINGS_ID, version=2, updated_at=utcnow()))
        db.session.flush()
    # Public caches in every process learn of the change right after the commit.
    mark_version_bumped(db.session)
    if db.session.get_bind().dialect.name == "postgresql":
        # Delivered to every LISTENing process when (and only if) this transaction commits.
        db.session.execute(text(f"NOTIFY {PG_CHANNEL}"))


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on `background` (buttons in the accent
    colour stay legible whatever brand colour the page owner picks)."""
    white, dark = "#ffffff", "#1f2328"
    return white if contrast_ratio(background, white) >= contrast_ratio(background, dark) else dark


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


def parse_time_zone(value: str | None) -> str:
    """An IANA time zone name that this system knows."""
    value = (value or "").strip()
    # Looked up in the list rather than by loading it: ZoneInfo opens a file named by the
    # value, so "Europe" (a directory) or an overlong name raise OSError, not a not-found.
    if value not in _known_time_zones():
        raise Invalid("Time zone must be an IANA name such as Europe/Paris.", "time_zone")
    return value


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_logo_url(value: str | None) -> str | None:
    """An https:// image address, or None: the pages' security policy loads images from
    Herald itself and https only, so an http:// logo would never show."""
    value = validate.http_url(value, "logo URL")
    if value is not None and urlsplit(value).scheme != "https":
        raise Invalid(
            "Logo URL must start with https://: the page's security policy blocks images "
            "over plain http. Use the https address, or upload the logo instead.",
            "logo URL",
        )
    return value


@transactional
def update_settings(
    *,
    name: str,
    logo_url: str | None,
    accent_color: str,
    support_url: str | None,
    time_zone: str,
    actor,
) -> PageSettings:
    """Validate and save the page settings."""
    values = {
        "name": validate.text(name, "page name", max_len=MAX_NAME),
        "logo_url": check_logo_url(logo_url),
        "accent_color": validate.color(accent_color),
        "support_url": validate.http_url(support_url, "support URL"),
        "time_zone": parse_time_zone(time_zone),
    }
    try:
        settings = locked(PageSettings, SETTINGS_ID, missing="")
    except NotFound:
        settings = PageSettings(id=SETTINGS_ID, version=1)
        db.session.add(settings)
    before = {key: getattr(settings, key) for key in values}
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    bump_version()
    changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
    audit.record(actor, "settings.update", "page", SETTINGS_ID, changed=changed)
    return settings


@transactional
def set_maintenance_counting(counts: bool, *, actor) -> PageSettings:
    """Count scheduled maintenance as downtime in every uptime figure, or not (the default)."""
    try:
        settings = locked(PageSettings, SETTINGS_ID, missing="")
    except NotFound:
        settings = PageSettings(id=SETTINGS_ID, version=1)
        db.session.add(settings)
    before = bool(settings.count_maintenance_as_downtime)
    settings.count_maintenance_as_downtime = bool(counts)
    db.session.flush()
    bump_version()
    if before != bool(counts):
        audit.record(
            actor,
            "settings.update",
            "page",
            SETTINGS_ID,
            changed={"count_maintenance_as_downtime": [before, bool(counts)]},
        )
    return settings
