"""Incidents and scheduled maintenance, their updates and affected components."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    InternalImpact,
    Priority,
    Urgency,
)
from app.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class Incident(db.Model):
    """An incident, or (kind = maintenance) a scheduled maintenance window."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_kind_started", "kind", "started_at"),
        Index("ix_incident_status", "status"),
        # Feeds list the most recently updated first.
        Index("ix_incident_updated", "updated_at", "id"),
        # History pages (and the static mirror's) in order, without sorting every row.
        Index("ix_incident_history", "started_at", "id"),
        # The metrics page aggregates a period's incidents from this index alone.
        Index(
            "ix_incident_metrics",
            "kind",
            "started_at",
            "resolved_at",
            "impact",
            "priority",
            "internal_impact",
        ),
        # Deleting a user clears the incidents they owned.
        Index("ix_incident_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[IncidentKind] = mapped_column(
        enum_column(IncidentKind, 16), default=IncidentKind.INCIDENT
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus, 32))
    impact: Mapped[Impact] = mapped_column(enum_column(Impact, 16), default=Impact.NONE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ITIL's classification, for the managers only: never on the public side or /api/v2.
    internal_impact: Mapped[InternalImpact | None] = mapped_column(enum_column(InternalImpact, 16))
    urgency: Mapped[Urgency | None] = mapped_column(enum_column(Urgency, 16))
    # Derived from the two by the priority matrix; stored so lists filter and sort by it.
    priority: Mapped[Priority | None] = mapped_column(enum_column(Priority, 4))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    updates: Mapped[list[IncidentUpdate]] = relationship(
        back_populates="incident",
        order_by="(IncidentUpdate.display_at.desc(), IncidentUpdate.id.desc())",
        cascade="all, delete-orphan",
    )
    affected: Mapped[list[AffectedComponent]] = relationship(
        back_populates="incident",
        order_by="AffectedComponent.id",
        cascade="all, delete-orphan",
    )

    owner: Mapped[User | None] = relationship()

    @property
    def is_maintenance(self) -> bool:
        return self.kind == IncidentKind.MAINTENANCE

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    @property
    def latest_update(self) -> IncidentUpdate | None:
        return self.updates[0] if self.updates else None

    @property
    def postmortem_published(self) -> bool:
        return self.postmortem_published_at is not None


class IncidentUpdate(db.Model):
    __tablename__ = "incident_update"
    __table_args__ = (Index("ix_update_incident_display", "incident_id", "display_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus, 32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    deliver_notifications: Mapped[bool] = mapped_column(Boolean, default=True)

    incident: Mapped[Incident] = relationship(back_populates="updates")
    changes: Mapped[list[ComponentChange]] = relationship(
        back_populates="update", order_by="ComponentChange.id", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[UpdateRevision]] = relationship(
        back_populates="update", order_by="UpdateRevision.id", cascade="all, delete-orphan"
    )


class UpdateRevision(db.Model):
    """The text an update had before an edit: edits never silently overwrite."""

    __tablename__ = "update_revision"
    __table_args__ = (Index("ix_update_revision_update", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("incident_update.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    update: Mapped[IncidentUpdate] = relationship(back_populates="revisions")


class ComponentChange(db.Model):
    """A component status change posted with an update (Statuspage's affected_components)."""

    __tablename__ = "component_change"
    __table_args__ = (Index("ix_component_change_update", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("incident_update.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    # Kept so history still names a component after it is deleted.
    component_code: Mapped[str] = mapped_column(String(12))
    component_name: Mapped[str] = mapped_column(String(100))
    old_status: Mapped[ComponentStatus] = mapped_column(enum_column(ComponentStatus, 32))
    new_status: Mapped[ComponentStatus] = mapped_column(enum_column(ComponentStatus, 32))

    update: Mapped[IncidentUpdate] = relationship(back_populates="changes")


class AffectedComponent(db.Model):
    """A component an incident or maintenance concerns."""

    __tablename__ = "affected_component"
    __table_args__ = (
        Index("ix_affected_component", "component_id"),
        Index("ix_affected_component_incident", "incident_id"),
        # A component's incidents in a period (the metrics page): one probe per incident.
        Index("ix_affected_component_pair", "component_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    component_code: Mapped[str] = mapped_column(String(12))
    component_name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    incident: Mapped[Incident] = relationship(back_populates="affected")
    component = relationship("Component")
