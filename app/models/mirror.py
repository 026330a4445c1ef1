"""What each change touched, for the static mirror's incremental publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class MirrorChange(db.Model):
    """One thing a committed change touched, written in the change's own transaction.

    Every transaction that bumps the page version writes at least one row (scope
    `page`), each row carrying the page generation before and after it. The
    publisher follows that chain from the generation its mirror holds to the
    current one; a link missing (a restored database, a bump made by hand, rows
    pruned) means it cannot know what changed, and it publishes everything.
    """

    __tablename__ = "mirror_change"
    __table_args__ = (Index("ix_mirror_change_version", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The page version after the transaction's last bump, and the generations
    # (version and bump time, as app.cache.version.read_generation spells them)
    # before its first bump and after its last.
    version: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(String(40))
    after: Mapped[str] = mapped_column(String(40))
    # `page` (only what every change re-publishes), `incident`, `component`
    # (subject_id says which), or `all`.
    scope: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
