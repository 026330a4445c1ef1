"""Page settings: one row, plus the version every public output is cached under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, false
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
    # Uptime counts minutes under maintenance as downtime (Statuspage's default: not).
    count_maintenance_as_downtime: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Bumped in the same transaction as every change a visitor could see:
    # the public ETag and the cache key of rendered output.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
