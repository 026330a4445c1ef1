"""The uptime of many components pooled over a long window, summed in the database.

The metrics page asks for the uptime of every component over up to 366 days: the
day-by-day walk of `uptime_periods.minutes_by_day` (thousands of periods turned into
Python rows, each split at midnights) is what the status page needs for its bars, but
a pooled percentage needs only, per component, when its data begins and its weighted
downtime, and a sum does not care where the midnights fall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Component, ComponentStatus, ComponentStatusPeriod
from app.models.types import epoch_seconds
from app.services.uptime_periods import running_at_start


@dataclass(frozen=True)
class Pooled:
    """One component's window: when its data begins (seconds since 1970; None: never)
    and its downtime in minutes, weighted."""

    first_seen: float | None
    downtime_minutes: float


def pooled_minutes(
    ids: list[int], start: datetime, stop: datetime, weights: dict[ComponentStatus, float]
) -> dict[int, Pooled]:
    """Per component of `ids`: the same first start and downtime minutes as
    `minutes_by_day` over [start, stop), the days' minutes added up.

    A component's data begins at `start` when a period runs then, else at the first
    period that began within the window; a period counts from the later of its start
    and `start` to the earlier of its end (an open one: `stop`) and `stop`.
    """
    period = ComponentStatusPeriod
    earlier = aliased(ComponentStatusPeriod)
    columns = (period.component_id, period.status, period.started_at, period.ended_at)
    # Only the periods that weigh are read one by one: most are operational, and of
    # those only each component's first start within the window matters (a row with
    # no status and no end, as `_periods` has it).
    weighed = select(*columns).where(
        period.component_id.in_(ids),
        period.started_at >= start,
        period.started_at < stop,
        period.status.in_([s for s, w in weights.items() if w]),
    )
    first_start = (
        select(func.min(earlier.started_at))
        .where(
            earlier.component_id == Component.id,
            earlier.started_at >= start,
            earlier.started_at < stop,
        )
        .scalar_subquery()
    )
    first_within = select(Component.id, null(), first_start, null()).where(Component.id.in_(ids))
    carried = running_at_start(select(*columns), ids, start)
    rows = union_all(carried, weighed, first_within).subquery()
    begin = case(
        (rows.c.started_at < start, literal(start.timestamp())),
        else_=epoch_seconds(rows.c.started_at),
    )
    end = case(
        (or_(rows.c.ended_at.is_(None), rows.c.ended_at > stop), literal(stop.timestamp())),
        else_=epoch_seconds(rows.c.ended_at),
    )
    weight = case(*((rows.c.status == s, w) for s, w in weights.items()), else_=0.0)
    down = case((end > begin, weight * (end - begin)), else_=0.0)
    query = select(rows.c.component_id, func.min(begin), func.sum(down)).group_by(
        rows.c.component_id
    )
    return {
        component_id: Pooled(None if first is None else float(first), float(seconds or 0.0) / 60)
        for component_id, first, seconds in db.session.execute(query)
    }
