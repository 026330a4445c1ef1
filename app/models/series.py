"""Recurring maintenance: a window that comes back every week or month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import Cadence
from app.models.types import UTCDateTime, enum_column, utcnow


class MaintenanceSeries(db.Model):
    """The rule; each occurrence is a normal maintenance (`MaintenanceOccurrence` links
    them), created a little ahead by the tick (app/services/maintenance_series.py)."""

    __tablename__ = "maintenance_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence, 16))
    # The first window's start; later ones keep its wall-clock time in `time_zone`, so
    # "Tuesdays 02:00 in Paris" stays 02:00 across the summer-time change.
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    # Ids, not a link table: a component deleted since is left out of later occurrences.
    component_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The start of the latest occurrence created: planning goes on after it, so an
    # occurrence deleted by hand (a skipped week) is not created again.
    planned_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def active(self) -> bool:
        return self.stopped_at is None


class MaintenanceOccurrence(db.Model):
    """One planned window of a series: the start it was planned for (kept when the
    maintenance itself is moved) and the maintenance made for it.

    A table of its own rather than columns on `incident`: SQLite cannot add a unique
    constraint to a table without rebuilding it, and rebuilding `incident` would cascade
    the delete of the old table into its updates.
    """

    __tablename__ = "maintenance_occurrence"
    __table_args__ = (
        # One row per (series, start), however many ticks plan it at the same time.
        UniqueConstraint("series_id", "starts_at"),
        Index("ix_maintenance_occurrence_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("maintenance_series.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
