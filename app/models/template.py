"""Incident templates: named text, impact, status and component statuses that fill the
new-incident and post-update forms (and the API's `template_id`) in one step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import ComponentStatus, Impact, IncidentStatus, TemplateKind
from app.models.types import UTCDateTime, enum_column, utcnow


class IncidentTemplate(db.Model):
    """A template; `impact` None leaves the form's impact as it is."""

    __tablename__ = "incident_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[TemplateKind] = mapped_column(
        enum_column(TemplateKind, 16), default=TemplateKind.INCIDENT
    )
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    impact: Mapped[Impact | None] = mapped_column(enum_column(Impact, 16))
    update_status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus, 32))
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list[TemplateComponent]] = relationship(
        back_populates="template",
        order_by="TemplateComponent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def statuses(self) -> dict[int, ComponentStatus]:
        """{component id: the status the template gives it}."""
        return {c.component_id: c.status for c in self.components}


class TemplateComponent(db.Model):
    """A component a template affects, and the status it gives it. Deleting the
    component deletes the row: the template stays, without it."""

    __tablename__ = "incident_template_component"
    __table_args__ = (
        UniqueConstraint("template_id", "component_id", name="uq_template_component"),
        Index("ix_template_component_component", "component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("incident_template.id", ondelete="CASCADE"))
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    status: Mapped[ComponentStatus] = mapped_column(enum_column(ComponentStatus, 32))

    template: Mapped[IncidentTemplate] = relationship(back_populates="components")
