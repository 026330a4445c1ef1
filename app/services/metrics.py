"""The incident manager's numbers for a period, per component or overall: interruptions by
priority and internal impact, Mean Time To Restore Service (MTRS), Mean Time Between
Service Interruptions (MTBSI), availability, and the trend.

What counts (the metrics page says the same to its readers):
- An interruption is an incident (not maintenance) whose impact is minor, major or
  critical, started within the period; for a component, one that names it as affected.
  An incident with impact "none" is a notice, not an interruption (ITIL: an unplanned
  interruption or reduction in quality of a service).
- MTRS: the mean of resolution minus start over the resolved interruptions.
- MTBSI: the mean time from the end of one interruption to the start of the next
  (overlapping interruptions are one outage; see metrics_queries.between_interruptions).
- Availability: the uptime service's figure (app/services/uptime.py) over the period's
  days — the same weights as the status page, maintenance counted as the page setting
  says — pooled over the components.

Everything is aggregated in the database (metrics_queries); no incident is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from app.models import InternalImpact, Priority
from app.services import csv_export, uptime
from app.services.errors import Invalid
from app.services.metrics_queries import Day, Scope, between_interruptions, days

PRESETS = (7, 30, 90)
MAX_DAYS = 366
# Up to this many days the trend has a bar per day; beyond, a bar per week.
DAILY_UP_TO = 31


@dataclass(frozen=True)
class Period:
    """Whole local days, `first` to `last` (both included), and their bounds in UTC; the
    period ends now at the latest."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period(first: date, last: date, *, now: datetime, tz: tzinfo) -> Period:
    """The days `first` to `last`; refused when reversed, in the future or too long."""
    today = now.astimezone(tz).date()
    if last < first:
        raise Invalid("The period’s end is before its start.", "until")
    if last > today:
        raise Invalid("The period cannot end after today.", "until")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"The period can be at most {MAX_DAYS} days long.", "since")
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    after = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return Period(first, last, start, min(after, now.astimezone(UTC)))


def last_days(days: int, *, now: datetime, tz: tzinfo) -> Period:
    """The `days` days ending today."""
    today = now.astimezone(tz).date()
    return period(today - timedelta(days=days - 1), today, now=now, tz=tz)


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class TrendPoint:
    first: date  # the span's first day
    label: str  # "Nov 3" or "Week of Nov 3"
    count: int
    restore_seconds: float | None  # mean over the resolved ones


@dataclass(frozen=True)
class Metrics:
    period: Period
    interruptions: int
    resolved: int
    by_priority: list[Count]
    by_impact: list[Count]
    mtrs_seconds: float | None
    mtbsi_seconds: float | None
    gaps: int
    availability: float | None  # per cent
    trend: list[TrendPoint]
    per_week: bool


def compute(
    span: Period,
    component_ids: list[int],
    *,
    component_id: int | None = None,
    now: datetime,
    tz: tzinfo,
    count_maintenance: bool = False,
) -> Metrics:
    """The numbers of `span` for one component (`component_id`) or all (`component_ids`)."""
    scope = Scope(span.start, span.end, now, component_id)
    found = days(scope)
    resolved = sum(d.resolved for d in found)
    restore = sum(d.restore_seconds for d in found)
    mtbsi, gaps = between_interruptions(scope)
    per_week = span.days > DAILY_UP_TO
    return Metrics(
        period=span,
        interruptions=sum(d.count for d in found),
        resolved=resolved,
        by_priority=_by(found, "by_priority", [p.value for p in Priority], _priority_label),
        by_impact=_by(found, "by_impact", [i.value for i in InternalImpact], _impact_label),
        mtrs_seconds=restore / resolved if resolved else None,
        mtbsi_seconds=mtbsi,
        gaps=gaps,
        availability=availability(
            [component_id] if component_id is not None else component_ids,
            span,
            now=now,
            tz=tz,
            count_maintenance=count_maintenance,
        ),
        trend=_trend(span, found, 7 if per_week else 1),
        per_week=per_week,
    )


def _priority_label(value: str) -> str:
    return Priority(value).label


def _impact_label(value: str) -> str:
    return InternalImpact(value).label


def _by(found: list[Day], attribute: str, order: list[str], label) -> list[Count]:
    counts = dict.fromkeys([*order, None], 0)
    for day in found:
        for key, count in getattr(day, attribute).items():
            counts[key] += count
    return [Count(label(k) if k else "Not set", n) for k, n in counts.items()]


def _trend(span: Period, found: list[Day], step: int) -> list[TrendPoint]:
    """A point per `step` days. A span's days add up to the span: the day index is the
    whole part of (start − period start) / 1 day, and the whole part of that over `step`
    is the whole part of (start − period start) / `step` days."""
    spans: dict[int, list[Day]] = {}
    for day in found:
        spans.setdefault(day.index // step, []).append(day)
    points = []
    for index in range(-(-span.days // step)):
        first = span.first + timedelta(days=index * step)
        label = f"{'Week of ' if step > 1 else ''}{first:%b} {first.day}"
        members = spans.get(index, [])
        resolved = sum(d.resolved for d in members)
        restore = sum(d.restore_seconds for d in members) / resolved if resolved else None
        points.append(TrendPoint(first, label, sum(d.count for d in members), restore))
    return points


def availability(
    ids: list[int], span: Period, *, now: datetime, tz: tzinfo, count_maintenance: bool
) -> float | None:
    """The uptime service's percentage over the period's days, pooled over `ids`."""
    return uptime.pooled_percentage(
        ids, now=now, tz=tz, days=span.days, until=span.last, count_maintenance=count_maintenance
    )


def minutes(seconds: float | None) -> str:
    """A duration for people: "2 h 05 min", "45 min", "3 d 4 h"; "—" for none."""
    if seconds is None:
        return "—"
    total = round(seconds / 60)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def csv_lines(found: Metrics, scope_name: str) -> Iterator[str]:
    """The page's figures as CSV: one row per figure, section first."""

    def rows():
        span = found.period
        yield ["period", "first day", span.first.isoformat()]
        yield ["period", "last day", span.last.isoformat()]
        yield ["period", "component", scope_name]
        yield ["summary", "interruptions", found.interruptions]
        yield ["summary", "resolved", found.resolved]
        yield ["summary", "MTRS minutes", _round(found.mtrs_seconds)]
        yield ["summary", "MTBSI minutes", _round(found.mtbsi_seconds)]
        yield ["summary", "availability %", _percent(found.availability)]
        yield from (["priority", c.label, c.count] for c in found.by_priority)
        yield from (["internal impact", c.label, c.count] for c in found.by_impact)
        for point in found.trend:
            yield ["trend interruptions", point.first.isoformat(), point.count]
        for point in found.trend:
            yield ["trend MTRS minutes", point.first.isoformat(), _round(point.restore_seconds)]

    return csv_export.lines(["section", "figure", "value"], [list(rows())])


def _round(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
