"""Uptime per component per day, computed from the recorded status periods.

Downtime follows Statuspage's rule: every minute of major outage counts in
full, every minute of partial outage counts for 0.3; degraded performance and
maintenance count as up. Days are the page's local days; days before a
component's first status period have no data.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Component, ComponentStatus, ComponentStatusPeriod, Incident

DAYS = 90
DOWNTIME_WEIGHTS = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}
# A day's bar level by its downtime: up to each bound (minutes), that level.
LEVELS = ((0.0, "up"), (30.0, "minor"), (240.0, "partial"))


@dataclass(frozen=True)
class IncidentRef:
    id: int
    name: str


@dataclass
class DayUptime:
    day: date
    observed_minutes: float = 0.0  # how long the component existed that day (up to now)
    downtime_minutes: float = 0.0
    incidents: list[IncidentRef] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.observed_minutes > 0

    @property
    def uptime(self) -> float | None:
        """The fraction of the observed day the component was up; None without data."""
        if not self.has_data:
            return None
        return max(0.0, 1.0 - self.downtime_minutes / self.observed_minutes)

    @property
    def level(self) -> str:
        """nodata, up, minor, partial or major: the bar's colour class."""
        if not self.has_data:
            return "nodata"
        for bound, name in LEVELS:
            if self.downtime_minutes <= bound:
                return name
        return "major"

    @property
    def summary(self) -> str:
        """The day's downtime in words, without the date."""
        if not self.has_data:
            return "No data"
        text = describe_downtime(self.downtime_minutes)
        if self.incidents:
            text += ": " + "; ".join(ref.name for ref in self.incidents)
        return text

    @property
    def description(self) -> str:
        """Date, downtime and the incidents that caused it, for tooltips and screen readers."""
        return f"{format_day(self.day)}: {self.summary}"


@dataclass
class ComponentUptime:
    component_id: int
    days: list[DayUptime]  # oldest first

    @property
    def percentage(self) -> float | None:
        """Uptime over the days with data, in percent; None when there are none."""
        observed = sum(d.observed_minutes for d in self.days)
        if observed <= 0:
            return None
        downtime = sum(d.downtime_minutes for d in self.days)
        return max(0.0, 100.0 * (1.0 - downtime / observed))

    @property
    def percentage_label(self) -> str:
        return format_percentage(self.percentage)


def format_day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def format_percentage(value: float | None) -> str:
    """Two decimals, rounded down, so any downtime never shows as 100.00 %."""
    if value is None:
        return "No data"
    return f"{math.floor(value * 100) / 100:.2f}% uptime"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def describe_downtime(minutes: float) -> str:
    if minutes <= 0:
        return "No downtime"
    if minutes < 1:
        return "Less than a minute of downtime"
    hours, rest = divmod(round(minutes), 60)
    parts = [_plural(hours, "hour")] if hours else []
    if rest:
        parts.append(_plural(rest, "minute"))
    return " ".join(parts) + " of downtime"


def _midnight(day: date, tz: tzinfo) -> datetime:
    # In UTC, so subtracting two bounds counts real minutes across DST changes.
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _periods(component_ids: list[int], start: datetime, end: datetime):
    """The periods overlapping [start, end), in one query that never reads older history.

    Periods of one component do not overlap, so the only one that began before
    `start` and still matters is each component's latest before it: found by
    a max() per component that the (component_id, started_at) index answers.
    """
    period = ComponentStatusPeriod
    earlier = aliased(ComponentStatusPeriod)
    columns = (
        period.component_id,
        period.status,
        period.started_at,
        period.ended_at,
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
    started_within = select(*columns).where(
        period.component_id.in_(component_ids), period.started_at >= start, period.started_at < end
    )
    return db.session.execute(union_all(running_at_start, started_within)).all()


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
    bounds = [_midnight(d, tz) for d in dates] + [_midnight(today + timedelta(days=1), tz)]
    result = {cid: ComponentUptime(cid, [DayUptime(d) for d in dates]) for cid in ids}
    if not ids:
        return result
    start = bounds[0]
    rows = _periods(ids, start, now)
    refs = _incident_refs(
        {r.incident_id for r in rows if r.incident_id and r.status in DOWNTIME_WEIGHTS}
    )
    first_seen: dict[int, datetime] = {}
    for row in rows:
        begin, end = max(row.started_at, start), min(row.ended_at or now, now)
        if end <= begin:
            continue
        first_seen[row.component_id] = min(first_seen.get(row.component_id, begin), begin)
        weight = DOWNTIME_WEIGHTS.get(row.status, 0.0)
        if not weight:
            continue
        days_of = result[row.component_id].days
        index = bisect_right(bounds, begin) - 1
        while index < len(dates) and bounds[index] < end:
            lo, hi = max(begin, bounds[index]), min(end, bounds[index + 1])
            day = days_of[index]
            day.downtime_minutes += weight * (hi - lo).total_seconds() / 60
            ref = refs.get(row.incident_id)
            if ref is not None and ref not in day.incidents:
                day.incidents.append(ref)
            index += 1
    for component_id, seen in first_seen.items():
        for index, day in enumerate(result[component_id].days):
            lo, hi = max(bounds[index], seen), min(bounds[index + 1], now)
            day.observed_minutes = max(0.0, (hi - lo).total_seconds() / 60)
    return result


@dataclass(frozen=True)
class CalendarMonth:
    title: str  # "March 2025"
    weeks: list[list[DayUptime | None]]  # Monday first; None outside the month or in the future


def months_back_start(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before `today`'s."""
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def calendar_months(uptime: ComponentUptime, months: int) -> list[CalendarMonth]:
    """Lay a component's days out as month calendars, oldest month first."""
    by_day = {d.day: d for d in uptime.days}
    today = uptime.days[-1].day
    first = months_back_start(today, months)
    result = []
    year, month = first.year, first.month
    for _ in range(months):
        weeks = [
            [by_day.get(d) if d.month == month else None for d in week]
            for week in calendar.Calendar().monthdatescalendar(year, month)
        ]
        result.append(CalendarMonth(f"{calendar.month_name[month]} {year}", weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result
