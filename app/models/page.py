"""Page settings: one row, plus the version every public output is cached under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.component import new_code
from app.models.types import UTCDateTime, utcnow


class PageSettings(db.Model):
    __tablename__ = "page_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The page's public id in the Statuspage-compatible API (`page.id`, `page_id`).
    code: Mapped[str] = mapped_column(String(12), default=new_code)
    name: Mapped[str] = mapped_column(String(100), default="Herald Status")
    url: Mapped[str | None] = mapped_column(String(500))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    accent_color: Mapped[str] = mapped_column(String(7), default="#1f6feb")
    support_url: Mapped[str | None] = mapped_column(String(500))
    time_zone: Mapped[str] = mapped_column(String(64), default="Etc/UTC")
    # The uploaded logo's file name, version in it ("logo-<version>.png"), and the
    # favicon's version (see PageImage), or None: pages link to them by these, so each
    # can be cached for a year and still change at once.
    logo_image: Mapped[str | None] = mapped_column(String(40))
    favicon_image: Mapped[str | None] = mapped_column(String(16))
    # Uptime counts minutes under maintenance as downtime (Statuspage's default: not).
    count_maintenance_as_downtime: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Every user must log in with two factors: those without are sent to enrol first.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Alert incidents in monitoring resolve themselves after this many minutes with no
    # alert firing again; None: a person resolves them.
    alert_quiet_minutes: Mapped[int | None] = mapped_column(Integer)
    # Bumped in the same transaction as every change a visitor could see:
    # the public ETag and the cache key of rendered output.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageImage(db.Model):
    """An uploaded image Herald serves itself: the logo or the favicon.

    Kept in the database, so every host of a scale-out deployment serves the same file
    and a backup holds it. Small by rule (app/services/page_images.py).
    """

    __tablename__ = "page_images"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "logo" or "favicon"
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # The first 16 hex digits of the SHA-256 of `data`: the ETag, and the `?v=` of links.
    version: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
