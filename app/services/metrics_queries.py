"""The metrics page's aggregate queries: each reads a period's incidents in the database
and returns a handful of rows, whatever the number of incidents. The same SQL runs on
SQLite and PostgreSQL (times as seconds since 1970, see `epoch_seconds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Select, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.models import (
    AffectedComponent,
    Impact,
    Incident,
    IncidentKind,
    InternalImpact,
    Priority,
)
from app.models.types import UTCDateTime, epoch_seconds

DAY_SECONDS = 86_400.0


class whole_part(FunctionElement):  # noqa: N801 - spelled like the SQL functions it stands for
    """The whole part of a number that is never negative (a bucket's index)."""

    type = Float()
    name = "whole_part"
    inherit_cache = True


@compiles(whole_part, "sqlite")
def _whole_sqlite(element, compiler, **kw):
    # SQLite's floor() needs its math extension; a cast truncates, the same for x ≥ 0.
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(whole_part)
def _whole_default(element, compiler, **kw):
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class Scope:
    """Which incidents count: interruptions started in [start, end), of one component or all."""

    start: datetime
    end: datetime
    now: datetime
    component_id: int | None = None


def interruptions(scope: Scope) -> Select:
    """The interruptions of `scope` as a selectable: incidents (not maintenance) with an
    impact other than "none", started within the period, affecting the component if one
    is chosen."""
    query = select(Incident).where(
        Incident.kind == IncidentKind.INCIDENT,
        Incident.impact != Impact.NONE,
        Incident.started_at >= scope.start,
        Incident.started_at < scope.end,
    )
    if scope.component_id is not None:
        query = query.where(
            Incident.id.in_(
                select(AffectedComponent.incident_id).where(
                    AffectedComponent.component_id == scope.component_id
                )
            )
        )
    return query


def _duration():
    return epoch_seconds(Incident.resolved_at) - epoch_seconds(Incident.started_at)


@dataclass(frozen=True)
class Day:
    """The interruptions that started on one day of the period (its index from the
    period's start): counts by priority and internal impact (key None: not set), and
    restore times."""

    index: int
    count: int
    resolved: int
    restore_seconds: float  # summed over the resolved ones
    by_priority: dict[str | None, int]
    by_impact: dict[str | None, int]


def _counts(column, values: list[str]) -> list:
    return [func.count(case((column == value, 1))) for value in values]


def days(scope: Scope) -> list[Day]:
    """The counts and restore times of the period, per day, in one pass over its
    interruptions (at most one row per day, whatever the number of incidents): the
    totals, the priorities and impacts and the trend's bars all add these up, where a
    query each read the period's rows once per figure."""
    index = whole_part(
        (epoch_seconds(Incident.started_at) - scope.start.timestamp()) / DAY_SECONDS
    ).label("day")
    priorities = [p.value for p in Priority]
    impacts = [i.value for i in InternalImpact]
    query = (
        interruptions(scope)
        .with_only_columns(
            index,
            func.count(),
            func.count(Incident.resolved_at),
            func.coalesce(func.sum(_duration()), 0.0),
            *_counts(Incident.priority, priorities),
            *_counts(Incident.internal_impact, impacts),
        )
        .group_by(index)
    )
    return [_day(row, priorities, impacts) for row in db.session.execute(query)]


def _day(row, priorities: list[str], impacts: list[str]) -> Day:
    count, first = row[1], 4
    by_priority = dict(zip(priorities, row[first : first + len(priorities)], strict=True))
    by_impact = dict(zip(impacts, row[first + len(priorities) :], strict=True))
    by_priority[None] = count - sum(by_priority.values())
    by_impact[None] = count - sum(by_impact.values())
    return Day(int(row[0]), count, row[2], float(row[3]), by_priority, by_impact)


def between_interruptions(scope: Scope) -> tuple[float | None, int]:
    """The mean time from the end of one interruption to the start of the next, in
    seconds, and how many such gaps there were.

    Interruptions in order of start; each one's gap is measured from the latest end of
    those before it (a window function: the running maximum of the ends up to the row
    before). That is LAG(end) when interruptions never overlap; when they do, service
    was not restored in between, so an interruption starting before the latest end is
    part of the same outage and makes no gap. One still open ends now. (Two starting at
    the same moment: whichever the window puts first takes the gap, the other none, so
    their order does not change the result.)
    """
    # Compared as stored (both databases order timestamps rightly); only the rows that
    # make a gap, far fewer than the rows read, are turned into seconds.
    ends = func.coalesce(Incident.resolved_at, literal(scope.now, UTCDateTime))
    ordered = (
        interruptions(scope)
        .with_only_columns(
            Incident.started_at.label("started"),
            func.max(ends)
            .over(order_by=Incident.started_at, rows=(None, -1))
            .label("previous_end"),
        )
        .subquery()
    )
    gap = epoch_seconds(ordered.c.started) - epoch_seconds(ordered.c.previous_end)
    mean, count = db.session.execute(
        select(func.avg(gap), func.count()).where(ordered.c.started > ordered.c.previous_end)
    ).one()
    return (float(mean) if mean is not None else None), count
