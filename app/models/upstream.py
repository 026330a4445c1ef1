"""Other status pages Herald follows: the page, which component follows what, and the
upstream incidents waiting for a manager's review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import ComponentStatus
from app.models.types import UTCDateTime, enum_column, utcnow


class ReportState(StrEnum):
    """Where an upstream incident stands in the review queue."""

    NEW = "new"  # waiting for a manager
    OPENED = "opened"  # a manager opened an incident of ours from it
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class UpstreamSource(db.Model):
    """One upstream `summary.json`, fetched once for every component that follows it."""

    __tablename__ = "upstream_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    page_name: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(200))
    # Its components as last fetched: [{"id", "name", "status"}], what a 304 still means.
    listing: Mapped[list | None] = mapped_column(JSON)
    # Claimed before each fetch, so two workers never fetch one page within a minute.
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    follows: Mapped[list[UpstreamFollow]] = relationship(back_populates="source")


class UpstreamFollow(db.Model):
    """A component of ours whose status follows one component of an upstream page."""

    __tablename__ = "upstream_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), unique=True
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("upstream_source.id", ondelete="CASCADE"), index=True
    )
    upstream_component: Mapped[str] = mapped_column(String(64))
    upstream_name: Mapped[str] = mapped_column(String(200))
    # The upstream status last applied: a change upstream is followed, while a status a
    # manager set meanwhile stays until the upstream moves again.
    upstream_status: Mapped[ComponentStatus | None] = mapped_column(
        enum_column(ComponentStatus, 32)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[UpstreamSource] = relationship(back_populates="follows")


class UpstreamReport(db.Model):
    """An upstream incident, once, for a manager to open as an incident or dismiss."""

    __tablename__ = "upstream_report"
    __table_args__ = (
        UniqueConstraint("source_id", "upstream_id", name="uq_upstream_report_source_upstream"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("upstream_source.id", ondelete="CASCADE"))
    upstream_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # The upstream's words (Statuspage's, "postmortem" included), shown as sent.
    upstream_status: Mapped[str] = mapped_column(String(32))
    impact: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(String(2048))
    # [{"status", "body", "at"}], newest first, as the upstream lists them.
    updates: Mapped[list] = mapped_column(JSON, default=list)
    # Our components following the upstream components it names: the form's pre-fill.
    component_ids: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[ReportState] = mapped_column(
        enum_column(ReportState, 16), default=ReportState.NEW
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    # The upstream posted updates the manager has not seen yet (for an opened report).
    news: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[UpstreamSource] = relationship()
