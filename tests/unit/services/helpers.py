"""Small helpers shared by the service tests: fixed clocks and period listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import ComponentStatusPeriod

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """A fixed moment `minutes` after T0, so tests never depend on the wall clock."""
    return T0 + timedelta(minutes=minutes)


def periods(component) -> list[tuple[str, datetime, datetime | None]]:
    """The component's recorded status periods, oldest first, as (status, start, end)."""
    rows = db.session.scalars(
        select(ComponentStatusPeriod)
        .where(ComponentStatusPeriod.component_id == component.id)
        .order_by(ComponentStatusPeriod.started_at, ComponentStatusPeriod.id)
    )
    return [(p.status, p.started_at, p.ended_at) for p in rows]


def assert_contiguous(rows) -> None:
    """No gap, no overlap: each period ends when the next starts; only the last is open."""
    for (_, _, end), (_, next_start, _) in zip(rows, rows[1:], strict=False):
        assert end == next_start
    assert [end for _, _, end in rows].count(None) == 1
    assert rows[-1][2] is None
