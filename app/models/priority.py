"""The priority matrix: which priority each pair of internal impact and urgency gives."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.enums import InternalImpact, Priority, Urgency
from app.models.types import enum_column


class PriorityRule(db.Model):
    """One cell of the 4×4 matrix. A cell without a row takes the default matrix's value
    (app/services/priority.py), so a fresh database needs no rows."""

    __tablename__ = "priority_rule"

    internal_impact: Mapped[InternalImpact] = mapped_column(
        enum_column(InternalImpact, 16), primary_key=True
    )
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, 16), primary_key=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, 4))
