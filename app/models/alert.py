"""Alerts received from monitoring (Alertmanager, Grafana), by fingerprint."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import ComponentStatus
from app.models.types import UTCDateTime, enum_column, utcnow


class AlertLink(db.Model):
    """One alert (its sender's fingerprint) and the incident it opened or joined.

    The unique fingerprint is what makes a repeated delivery change nothing: the
    second delivery finds the row in the state it reports and stops there.
    """

    __tablename__ = "alert_link"
    __table_args__ = (
        UniqueConstraint("source", "fingerprint", name="uq_alert_link_source_fingerprint"),
        Index("ix_alert_link_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(128))
    alertname: Mapped[str] = mapped_column(String(200))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    firing: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRule(db.Model):
    """An admin's rule: an alert whose label `label` equals `value` (in any case) belongs
    to `component`, with `status` (None: the status its `severity` label says)."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(200))
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    status: Mapped[ComponentStatus | None] = mapped_column(enum_column(ComponentStatus, 32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
