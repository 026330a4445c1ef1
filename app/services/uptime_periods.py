"""The status periods an uptime window needs, read in one query, as minutes per day."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, null, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Component, ComponentStatus, ComponentStatusPeriod, Incident, IncidentKind
from app.models.types import epoch_seconds


@dataclass(frozen=True)
class IncidentRef:
    """An incident or maintenance named on a day, for the day's words and its popover."""

    id: int
    name: str
    maintenance: bool = False


@dataclass
class Minutes:
    """What the periods of a window add up to, per component (day indexes into the window)."""

    downtime: dict[int, dict[int, float]] = field(default_factory=dict)
    events: dict[int, dict[int, list[IncidentRef]]] = field(default_factory=dict)
    first_seen: dict[int, float] = field(default_factory=dict)  # seconds since 1970
    ongoing: dict[int, ComponentStatus] = field(default_factory=dict)  # status of an open period


def running_at_start(query, component_ids: list[int], start: datetime):
    """`query` narrowed to each component's period running at `start`: its latest that
    began before it, found by a max() per component that the (component_id, started_at)
    index answers, when it has not ended by then."""
    period = ComponentStatusPeriod
    earlier = aliased(ComponentStatusPeriod)
    latest_before = (
        select(func.max(earlier.started_at))
        .where(earlier.component_id == Component.id, earlier.started_at < start)
        .scalar_subquery()
    )
    carried = (
        select(Component.id.label("component_id"), latest_before.label("started_at"))
        .where(Component.id.in_(component_ids))
        .subquery()
    )
    return query.join(
        carried,
        and_(
            period.component_id == carried.c.component_id,
            period.started_at == carried.c.started_at,
        ),
    ).where(or_(period.ended_at.is_(None), period.ended_at > start))


def _periods(component_ids: list[int], start: datetime, end: datetime):
    """What the window needs, in one query that never reads older history: the periods
    running at `start`, the non-operational periods that began within [start, end), and
    each component's first start within the window (a row with no status: it tells since
    when there is data).

    Periods of one component do not overlap, so the only one that began before
    `start` and still matters is each component's latest before it: found by
    a max() per component that the (component_id, started_at) index answers.
    Operational periods that began within the window are not fetched: most of
    the rows, and they add nothing but the first start.
    """
    period = ComponentStatusPeriod
    earlier = aliased(ComponentStatusPeriod)
    columns = (
        period.component_id,
        period.status,
        epoch_seconds(period.started_at).label("started"),
        epoch_seconds(period.ended_at).label("ended"),
        period.incident_id,
    )
    carried = running_at_start(select(*columns), component_ids, start)
    within = (
        period.component_id.in_(component_ids),
        period.started_at >= start,
        period.started_at < end,
    )
    eventful_within = select(*columns).where(*within, period.status != ComponentStatus.OPERATIONAL)
    first_start = (
        select(func.min(earlier.started_at))
        .where(
            earlier.component_id == Component.id,
            earlier.started_at >= start,
            earlier.started_at < end,
        )
        .scalar_subquery()
    )
    first_within = select(
        Component.id,
        null().label("status"),
        epoch_seconds(first_start),
        null().label("ended"),
        null().label("incident_id"),
    ).where(Component.id.in_(component_ids))
    return db.session.execute(union_all(carried, eventful_within, first_within)).all()


def _incident_refs(incident_ids: set[int]) -> dict[int, IncidentRef]:
    if not incident_ids:
        return {}
    rows = db.session.execute(
        select(Incident.id, Incident.name, Incident.kind).where(Incident.id.in_(incident_ids))
    )
    return {
        row.id: IncidentRef(row.id, row.name, row.kind == IncidentKind.MAINTENANCE) for row in rows
    }


def minutes_by_day(
    ids: list[int], bounds: list[float], stop: datetime, weights: dict[ComponentStatus, float]
) -> Minutes:
    """Per component: downtime minutes (by `weights`) and the incidents and maintenance
    behind any status other than operational, by day index, counted up to `stop` (now,
    or the window's end); when it was first seen in the window; and the status of a
    non-operational period still open."""
    start, until = bounds[0], stop.timestamp()
    rows = _periods(ids, datetime.fromtimestamp(start, UTC), stop)
    refs = _incident_refs({r.incident_id for r in rows if r.incident_id and r.status})
    last = len(bounds) - 1
    found = Minutes()
    for component_id, status, started, ended, incident_id in sorted(rows, key=_by_start):
        if started is None:  # no period began within the window
            continue
        begin = started if started > start else start
        end = until if ended is None or ended > until else ended
        if end <= begin:
            continue
        if begin < found.first_seen.get(component_id, math.inf):
            found.first_seen[component_id] = begin
        if status is None or status == ComponentStatus.OPERATIONAL:
            continue
        if ended is None:
            found.ongoing[component_id] = status
        weight = weights.get(status, 0.0)
        down = found.downtime.setdefault(component_id, {})
        ref = refs.get(incident_id)
        index = bisect_right(bounds, begin) - 1
        while index < last and bounds[index] < end:
            if weight:
                lo = begin if begin > bounds[index] else bounds[index]
                hi = end if end < bounds[index + 1] else bounds[index + 1]
                down[index] = down.get(index, 0.0) + weight * (hi - lo) / 60
            if ref is not None:
                named = found.events.setdefault(component_id, {}).setdefault(index, [])
                if ref not in named:
                    named.append(ref)
            index += 1
    return found


def _by_start(row) -> float:
    return row.started or 0.0


def first_recorded(component_ids: list[int]) -> datetime | None:
    """When the earliest recorded status of these components began (None: no history)."""
    if not component_ids:
        return None
    return db.session.scalar(
        select(func.min(ComponentStatusPeriod.started_at)).where(
            ComponentStatusPeriod.component_id.in_(component_ids)
        )
    )
