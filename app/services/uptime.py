"""Uptime per component per day, computed from the recorded status periods.

Downtime follows Statuspage's rule: every minute of major outage counts in
full, every minute of partial outage counts for 0.3; degraded performance and
maintenance count as up. Days are the page's local days; days before a
component's first status period have no data.

The status page draws 90 days for every component, so this runs over a few
thousand periods per render: times are fetched as seconds since 1970 (plain
floats, no datetime parsing) and every label is built here once, so the
templates only print strings.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, func, null, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Component, ComponentStatus, ComponentStatusPeriod, Incident
from app.models.types import epoch_seconds
from app.services.uptime_words import describe_downtime, format_day, format_percentage, overview

DAYS = 90
DOWNTIME_WEIGHTS = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}
# A day's bar level by its downtime: up to each bound (minutes), that level.
LEVELS = ((0.0, "up"), (30.0, "minor"), (240.0, "partial"))
# Float seconds carry noise far below a millisecond: 30 minutes stays "minor".
_ROUNDING = 1e-9


@dataclass(frozen=True)
class IncidentRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DayUptime:
    """One local day of one component, with its words ready to print. Immutable: days
    alike (same date and minutes, no downtime) are one object shared by many components."""

    day: date
    label: str  # "May 10, 2024"
    observed_minutes: float  # how long the component existed that day (up to now)
    downtime_minutes: float
    incidents: tuple[IncidentRef, ...]  # those behind the downtime, in order of start
    level: str  # nodata, up, minor, partial or major: the bar's colour class
    summary: str  # the day's downtime in words, without the date
    description: str  # date, downtime and the incidents, for tooltips and screen readers

    @property
    def has_data(self) -> bool:
        return self.observed_minutes > 0

    @property
    def uptime(self) -> float | None:
        """The fraction of the observed day the component was up; None without data."""
        if not self.has_data:
            return None
        return max(0.0, 1.0 - self.downtime_minutes / self.observed_minutes)


def day_uptime(
    day: date,
    observed_minutes: float,
    downtime_minutes: float = 0.0,
    incidents: Iterable[IncidentRef] = (),
    label: str | None = None,
) -> DayUptime:
    """A day with its level and words worked out from the minutes."""
    label = label or format_day(day)
    incidents = tuple(incidents)
    if observed_minutes <= 0:
        return DayUptime(day, label, 0.0, 0.0, (), "nodata", "No data", f"{label}: No data")
    summary = describe_downtime(downtime_minutes)
    if incidents:
        summary += ": " + "; ".join(ref.name for ref in incidents)
    return DayUptime(
        day,
        label,
        observed_minutes,
        downtime_minutes,
        incidents,
        _level(downtime_minutes),
        summary,
        f"{label}: {summary}",
    )


@dataclass(frozen=True)
class ComponentUptime:
    component_id: int
    days: list[DayUptime]  # oldest first
    percentage: float | None  # over the days with data; None when there are none
    downtime_days: list[DayUptime]
    overview: str  # the whole window in one or two sentences, for screen readers

    @property
    def percentage_label(self) -> str:
        return format_percentage(self.percentage)


def component_uptime(component_id: int, days: list[DayUptime]) -> ComponentUptime:
    """The percentage and the words over a component's days."""
    observed = sum(d.observed_minutes for d in days)
    downtime = sum(d.downtime_minutes for d in days)
    percentage = max(0.0, 100.0 * (1.0 - downtime / observed)) if observed > 0 else None
    downtime_days = [d for d in days if d.downtime_minutes > 0]
    return ComponentUptime(
        component_id, days, percentage, downtime_days, overview(days, downtime_days)
    )


def _level(downtime_minutes: float) -> str:
    for bound, name in LEVELS:
        if downtime_minutes <= bound + _ROUNDING:
            return name
    return "major"


def _midnight(day: date, tz: tzinfo) -> float:
    # Seconds since 1970, so bounds subtract to real minutes across DST changes.
    return datetime.combine(day, time.min, tzinfo=tz).timestamp()


def _periods(component_ids: list[int], start: datetime, end: datetime):
    """What the window needs, in one query that never reads older history: the periods
    running at `start`, the outages that began within [start, end), and each component's
    first start within the window (a row with no status: it tells since when there is data).

    Periods of one component do not overlap, so the only one that began before
    `start` and still matters is each component's latest before it: found by
    a max() per component that the (component_id, started_at) index answers.
    Periods without downtime that began within the window are not fetched: most
    of the rows, and they add nothing but the first start.
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
    running_at_start = (
        select(*columns)
        .join(
            carried,
            and_(
                period.component_id == carried.c.component_id,
                period.started_at == carried.c.started_at,
            ),
        )
        .where(or_(period.ended_at.is_(None), period.ended_at > start))
    )
    within = (
        period.component_id.in_(component_ids),
        period.started_at >= start,
        period.started_at < end,
    )
    outages_within = select(*columns).where(*within, period.status.in_(list(DOWNTIME_WEIGHTS)))
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
    return db.session.execute(union_all(running_at_start, outages_within, first_within)).all()


def _incident_refs(incident_ids: set[int]) -> dict[int, IncidentRef]:
    if not incident_ids:
        return {}
    rows = db.session.execute(
        select(Incident.id, Incident.name).where(Incident.id.in_(incident_ids))
    )
    return {row.id: IncidentRef(row.id, row.name) for row in rows}


def daily_uptime(
    component_ids: Iterable[int], *, now: datetime, tz: tzinfo, days: int = DAYS
) -> dict[int, ComponentUptime]:
    """Each component's last `days` local days (oldest first, today last) and its uptime."""
    ids = list(dict.fromkeys(component_ids))
    now = now.astimezone(UTC)
    today = now.astimezone(tz).date()
    dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    labels = [format_day(d) for d in dates]
    bounds = [_midnight(d, tz) for d in dates] + [_midnight(today + timedelta(days=1), tz)]
    stop = now.timestamp()
    downtime, incidents, first_seen = _minutes(ids, bounds, now) if ids else ({}, {}, {})
    observed_since: dict[float, list[float]] = {}
    quiet: dict[tuple[int, float], DayUptime] = {}
    result = {}
    for component_id in ids:
        seen = first_seen.get(component_id, math.inf)
        if seen not in observed_since:
            observed_since[seen] = [
                max(0.0, (min(bounds[i + 1], stop) - max(bounds[i], seen)) / 60)
                for i in range(days)
            ]
        observed = observed_since[seen]
        down, refs = downtime.get(component_id, {}), incidents.get(component_id, {})
        row = []
        for i in range(days):
            if i in down:
                row.append(day_uptime(dates[i], observed[i], down[i], refs.get(i, ()), labels[i]))
                continue
            key = (i, observed[i])
            if key not in quiet:
                quiet[key] = day_uptime(dates[i], observed[i], label=labels[i])
            row.append(quiet[key])
        result[component_id] = component_uptime(component_id, row)
    return result


def _minutes(ids: list[int], bounds: list[float], now: datetime):
    """Per component: downtime minutes and incidents by day index, and when it was first seen
    in the window (seconds since 1970)."""
    start, stop = bounds[0], now.timestamp()
    rows = _periods(ids, datetime.fromtimestamp(start, UTC), now)
    refs = _incident_refs(
        {r.incident_id for r in rows if r.incident_id and r.status in DOWNTIME_WEIGHTS}
    )
    last = len(bounds) - 1
    downtime: dict[int, dict[int, float]] = {}
    incidents: dict[int, dict[int, list[IncidentRef]]] = {}
    first_seen: dict[int, float] = {}
    for component_id, status, started, ended, incident_id in sorted(rows, key=_by_start):
        if started is None:  # no period began within the window
            continue
        begin = started if started > start else start
        end = stop if ended is None or ended > stop else ended
        if end <= begin:
            continue
        if begin < first_seen.get(component_id, math.inf):
            first_seen[component_id] = begin
        weight = DOWNTIME_WEIGHTS.get(status)
        if not weight:
            continue
        down = downtime.setdefault(component_id, {})
        ref = refs.get(incident_id)
        index = bisect_right(bounds, begin) - 1
        while index < last and bounds[index] < end:
            lo = begin if begin > bounds[index] else bounds[index]
            hi = end if end < bounds[index + 1] else bounds[index + 1]
            down[index] = down.get(index, 0.0) + weight * (hi - lo) / 60
            if ref is not None:
                named = incidents.setdefault(component_id, {}).setdefault(index, [])
                if ref not in named:
                    named.append(ref)
            index += 1
    return downtime, incidents, first_seen


def _by_start(row) -> float:
    return row.started or 0.0
