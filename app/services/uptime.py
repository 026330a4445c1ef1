"""Uptime per component per day, computed from the recorded status periods.

Downtime follows Statuspage's rule: every minute of major outage counts in
full, every minute of partial outage counts for 0.3; degraded performance
counts as up, and so does scheduled maintenance unless the page counts it as
downtime (a page setting). Days are the page's local days.

A day counts from the day a component's history begins: days before it have
no data (grey, left out of the percentage), and every day with data counts
whole, today and the first day included. So a component added this morning
with a minute of outage reads 99.9 %, not the share of the few minutes since
it was added; and the percentage is the downtime over exactly the days drawn.

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

from app.models import ComponentStatus
from app.services.uptime_periods import IncidentRef, Minutes, minutes_by_day
from app.services.uptime_pooled import pooled_minutes
from app.services.uptime_words import describe_downtime, format_day, format_percentage, overview

__all__ = [
    "DAYS",
    "NARROW_DAYS",
    "ComponentUptime",
    "DayUptime",
    "IncidentRef",
    "daily_uptime",
    "format_day",
]

DAYS = 90
# Phones draw the last 30 of the 90 days: their label and percentage cover those.
NARROW_DAYS = 30
DOWNTIME_WEIGHTS = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}
MAINTENANCE_WEIGHT = 1.0
# A day's bar level by its downtime: up to each bound (minutes), that level.
LEVELS = ((0.0, "up"), (30.0, "minor"), (240.0, "partial"))
# An outage happening now colours today at least this, however few minutes it has run.
ONGOING_LEVEL = {ComponentStatus.MAJOR_OUTAGE: "major", ComponentStatus.PARTIAL_OUTAGE: "partial"}
_LEVEL_ORDER = ("nodata", "up", "minor", "partial", "major")
# Float seconds carry noise far below a millisecond: 30 minutes stays "minor".
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class DayUptime:
    """One local day of one component, with its words ready to print. Immutable: days
    alike (same date and minutes, no downtime) are one object shared by many components."""

    day: date
    label: str  # "May 10, 2024"
    observed_minutes: float  # the whole day's length when the component had data that day
    downtime_minutes: float
    incidents: tuple[IncidentRef, ...]  # incidents and maintenance that touched it, by start
    level: str  # nodata, up, minor, partial or major: the bar's colour class
    summary: str  # the day's downtime in words, without the date
    # "<label>: <headline>[: <incidents>]": the bar's tooltip and its link's name; the popover
    # script reads the label and headline back from it, so neither ever holds ": ".
    description: str
    ongoing: bool = False  # an outage is happening now (today only)
    headline: str = ""  # the downtime in words without the incidents, atop the day's popover
    # Worked out once here, not per bar in the template (thousands of bars per render):
    has_details: bool = False  # downtime or maintenance: a link and a popover
    css: str = "bar-nodata"  # the bar's classes: its level, maintenance, an outage now

    @property
    def has_data(self) -> bool:
        return self.observed_minutes > 0

    @property
    def uptime(self) -> float | None:
        """The fraction of the day the component was up; None without data."""
        if not self.has_data:
            return None
        return max(0.0, 1.0 - self.downtime_minutes / self.observed_minutes)

    @property
    def has_maintenance(self) -> bool:
        return any(ref.maintenance for ref in self.incidents)

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def popover_events(self) -> list[list]:
        """The day's incidents as [id, name, is maintenance]: the popover's list, kept short
        because the status page carries it for every day with downtime."""
        return [[ref.id, ref.name, 1 if ref.maintenance else 0] for ref in self.incidents]


def day_uptime(
    day: date,
    observed_minutes: float,
    downtime_minutes: float = 0.0,
    incidents: Iterable[IncidentRef] = (),
    label: str | None = None,
    ongoing: ComponentStatus | None = None,
) -> DayUptime:
    """A day with its level and words worked out from the minutes."""
    label = label or format_day(day)
    incidents = tuple(incidents)
    if observed_minutes <= 0:
        return DayUptime(
            day, label, 0.0, 0.0, (), "nodata", "No data", f"{label}: No data", False, "No data"
        )
    summary = describe_downtime(downtime_minutes)
    level = _level(downtime_minutes)
    if ongoing in ONGOING_LEVEL:
        summary = f"{ongoing.label.capitalize()} now; {summary[0].lower()}{summary[1:]} so far"
        level = max(level, ONGOING_LEVEL[ongoing], key=_LEVEL_ORDER.index)
    headline = summary
    if incidents:
        summary += ": " + "; ".join(_named(ref) for ref in incidents)
    ongoing_outage = ongoing in ONGOING_LEVEL
    css = f"bar-{level}"
    if any(ref.maintenance for ref in incidents):
        css += " bar-maint"
    if ongoing_outage:
        css += " bar-now"
    return DayUptime(
        day,
        label,
        observed_minutes,
        downtime_minutes,
        incidents,
        level,
        summary,
        f"{label}: {summary}",
        ongoing_outage,
        headline,
        downtime_minutes > 0 or ongoing_outage or any(ref.maintenance for ref in incidents),
        css,
    )


def _named(ref: IncidentRef) -> str:
    return f"{ref.name} (maintenance)" if ref.maintenance else ref.name


@dataclass(frozen=True)
class ComponentUptime:
    component_id: int
    days: list[DayUptime]  # oldest first
    percentage: float | None  # over the days with data; None when there are none
    downtime_days: list[DayUptime]
    overview: str  # the whole window in one or two sentences, for screen readers
    narrow_percentage: float | None = None  # over the last NARROW_DAYS days, for phones

    @property
    def percentage_label(self) -> str:
        return format_percentage(self.percentage)

    @property
    def narrow_percentage_label(self) -> str:
        return format_percentage(self.narrow_percentage)


def percentage(days: list[DayUptime]) -> float | None:
    """The uptime over `days` in per cent: days without data do not count."""
    observed = sum(d.observed_minutes for d in days)
    downtime = sum(d.downtime_minutes for d in days)
    return max(0.0, 100.0 * (1.0 - downtime / observed)) if observed > 0 else None


def component_uptime(
    component_id: int, days: list[DayUptime], ends_today: bool = True
) -> ComponentUptime:
    """The percentages and the words over a component's days."""
    downtime_days = [d for d in days if d.downtime_minutes > 0]
    return ComponentUptime(
        component_id,
        days,
        percentage(days),
        downtime_days,
        overview(days, downtime_days, ends_today),
        percentage(days[-NARROW_DAYS:]),
    )


def _level(downtime_minutes: float) -> str:
    for bound, name in LEVELS:
        if downtime_minutes <= bound + _ROUNDING:
            return name
    return "major"


def _midnight(day: date, tz: tzinfo) -> float:
    # Seconds since 1970, so bounds subtract to real minutes across DST changes.
    return datetime.combine(day, time.min, tzinfo=tz).timestamp()


def downtime_weights(count_maintenance: bool) -> dict[ComponentStatus, float]:
    """How much each status's minutes count as downtime."""
    if not count_maintenance:
        return DOWNTIME_WEIGHTS
    return DOWNTIME_WEIGHTS | {ComponentStatus.UNDER_MAINTENANCE: MAINTENANCE_WEIGHT}


@dataclass(frozen=True)
class _Window:
    """The local days of a window, their bounds, and what their periods add up to."""

    today: date
    last_day: date
    dates: list[date]
    bounds: list[float]  # seconds since 1970: each day's start, then the last day's end
    lengths: list[float]  # minutes
    stop: datetime  # now, or the last day's end
    found: Minutes | None

    def first_observed(self, component_id: int) -> int:
        """The index of the component's first day with data: a day counts whole once the
        component's history has begun by its end (len(dates) when it never has)."""
        seen = self.found.first_seen.get(component_id, math.inf) if self.found else math.inf
        return self.first_day_after(seen)

    def first_day_after(self, seen: float) -> int:
        # Day i counts when seen < bounds[i + 1], that is from the bound just above seen.
        return max(bisect_right(self.bounds, seen) - 1, 0)


def _window(
    ids: list[int],
    now: datetime,
    tz: tzinfo,
    days: int,
    until: date | None,
    count_maintenance,
    walk: bool = True,
) -> _Window:
    """The window's days and bounds, and (`walk`) its periods' minutes day by day."""
    today = now.astimezone(tz).date()
    last_day = min(until or today, today)
    dates = [last_day - timedelta(days=n) for n in range(days - 1, -1, -1)]
    bounds = [_midnight(d, tz) for d in dates] + [_midnight(last_day + timedelta(days=1), tz)]
    lengths = [(bounds[i + 1] - bounds[i]) / 60 for i in range(days)]
    stop = min(now, datetime.fromtimestamp(bounds[-1], UTC))
    weights = downtime_weights(count_maintenance)
    found = minutes_by_day(ids, bounds, stop, weights) if ids and walk else None
    return _Window(today, last_day, dates, bounds, lengths, stop, found)


def pooled_percentage(
    component_ids: Iterable[int],
    *,
    now: datetime,
    tz: tzinfo,
    days: int = DAYS,
    until: date | None = None,
    count_maintenance: bool = False,
) -> float | None:
    """The uptime of these components over the same days as `daily_uptime`, their time
    pooled: `percentage` of all their days together, without the days' words."""
    ids = list(dict.fromkeys(component_ids))
    window = _window(ids, now.astimezone(UTC), tz, days, until, count_maintenance, walk=False)
    start = datetime.fromtimestamp(window.bounds[0], UTC)
    weights = downtime_weights(count_maintenance)
    pooled = pooled_minutes(ids, start, window.stop, weights) if ids else {}
    observed = downtime = 0.0
    for found in pooled.values():
        if found.first_seen is not None:
            observed += sum(window.lengths[window.first_day_after(found.first_seen) :])
            downtime += found.downtime_minutes
    if observed <= 0:
        return None
    return max(0.0, 100.0 * (1.0 - downtime / observed))


def daily_uptime(
    component_ids: Iterable[int],
    *,
    now: datetime,
    tz: tzinfo,
    days: int = DAYS,
    until: date | None = None,
    count_maintenance: bool = False,
) -> dict[int, ComponentUptime]:
    """Each component's `days` local days up to `until` (default today; oldest first) and its
    uptime over them. Only a window ending today shows an outage happening now."""
    ids = list(dict.fromkeys(component_ids))
    now = now.astimezone(UTC)
    window = _window(ids, now, tz, days, until, count_maintenance)
    today, last_day, dates, found = window.today, window.last_day, window.dates, window.found
    labels = [format_day(d) for d in dates]
    quiet: dict[tuple[int, bool], DayUptime] = {}
    result = {}
    for component_id in ids:
        down = found.downtime.get(component_id, {}) if found else {}
        refs = found.events.get(component_id, {}) if found else {}
        ongoing = found.ongoing.get(component_id) if found else None
        row = []
        first = window.first_observed(component_id)
        for i in range(days):
            observed = window.lengths[i] if i >= first else 0.0
            now_status = ongoing if i == days - 1 and last_day == today else None
            if i in down or i in refs or now_status in ONGOING_LEVEL:
                day = day_uptime(
                    dates[i], observed, down.get(i, 0.0), refs.get(i, ()), labels[i], now_status
                )
                row.append(day)
                continue
            key = (i, observed > 0)
            if key not in quiet:
                quiet[key] = day_uptime(dates[i], observed, label=labels[i])
            row.append(quiet[key])
        result[component_id] = component_uptime(component_id, row, last_day == today)
    return result
