"""Components, their groups, and the periods each spent in each status."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import ComponentStatus
from app.models.types import UTCDateTime, enum_column, utcnow

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_code() -> str:
    """A stable, public, Statuspage-style id (12 lowercase characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


class ComponentGroup(db.Model):
    __tablename__ = "component_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, default=new_code)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list[Component]] = relationship(
        back_populates="group", order_by="Component.position"
    )


class Component(db.Model):
    __tablename__ = "component"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, default=new_code)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("component_group.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ComponentStatus] = mapped_column(
        enum_column(ComponentStatus, 32), default=ComponentStatus.OPERATIONAL
    )
    showcase: Mapped[bool] = mapped_column(Boolean, default=True)
    only_show_if_degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    # The vendor running it, while it follows an upstream status page ("operated by …").
    operated_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[ComponentGroup | None] = relationship(back_populates="components")


class ComponentStatusPeriod(db.Model):
    """One stretch of time a component spent in one status; `ended_at` null = now."""

    __tablename__ = "component_status_period"
    __table_args__ = (
        Index("ix_status_period_component_start", "component_id", "started_at"),
        # A component is in one status at a time: the database refuses a second open period.
        Index(
            "uq_status_period_open",
            "component_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    status: Mapped[ComponentStatus] = mapped_column(enum_column(ComponentStatus, 32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
