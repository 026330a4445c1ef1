"""Recurring maintenance: weekly or monthly windows, each occurrence a normal maintenance.

The tick plans each active series a little ahead (`AHEAD`, and at least the next
`AT_LEAST` occurrences), so subscribers, feeds and the calendar see an occurrence as
any scheduled maintenance, and the manager can move, edit or delete one alone.

Two ticks planning at once create each occurrence once: a series row is taken by
one tick (`FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite),
the series remembers the last start it planned, and the database refuses a second
`maintenance_occurrence` row for the same (series, start) — each insert runs in a
savepoint, so that refusal skips the occurrence rather than failing the tick.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Cadence,
    Incident,
    IncidentStatus,
    MaintenanceOccurrence,
    MaintenanceSeries,
    utcnow,
)
from app.services import audit, validate
from app.services.components import lock_components
from app.services.errors import Invalid, NotFound
from app.services.incidents import MAX_MESSAGE, MAX_TITLE
from app.services.maintenance_schedule import locked_components, schedule_maintenance
from app.services.page import bump_version, get_settings
from app.services.tx import locked, transactional

AHEAD = timedelta(days=14)
AT_LEAST = 2
# However far a series' first start lies behind, one planning pass looks at this many.
MAX_SLOTS = 60
LONGEST = {Cadence.WEEKLY: timedelta(days=7), Cadence.MONTHLY: timedelta(days=28)}
SERIES_GONE = "This recurring maintenance no longer exists."
STOPPED = "This recurring maintenance was stopped; start a new one instead."


def nth_start(series: MaintenanceSeries, n: int) -> datetime:
    """The start of occurrence `n` (0 is the first), at the first one's wall-clock time in
    the series' zone; a monthly one on the 31st falls on a shorter month's last day."""
    zone = ZoneInfo(series.time_zone)
    first = series.first_start.astimezone(zone).replace(tzinfo=None)
    if series.cadence == Cadence.WEEKLY:
        local = first + timedelta(weeks=n)
    else:
        months = first.month - 1 + n
        year, month = first.year + months // 12, months % 12 + 1
        day = min(first.day, calendar.monthrange(year, month)[1])
        local = first.replace(year=year, month=month, day=day)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _first_index_near(series: MaintenanceSeries, now: datetime) -> int:
    """An occurrence index at or a little before `now`: planning need not walk from the
    first occurrence of a series years old."""
    elapsed = now - series.first_start
    if elapsed <= timedelta(0):
        return 0
    if series.cadence == Cadence.WEEKLY:
        return max(0, elapsed // timedelta(weeks=1) - 1)
    return max(0, elapsed // timedelta(days=31) - 1)


def slots(series: MaintenanceSeries, now: datetime) -> Iterator[datetime]:
    """Starts of the occurrences that should exist at `now`: not over yet, and within
    `AHEAD` or among the next `AT_LEAST`."""
    duration = timedelta(minutes=series.duration_minutes)
    first = _first_index_near(series, now)
    found = 0
    for n in range(first, first + MAX_SLOTS):
        start = nth_start(series, n)
        if start + duration <= now:
            continue  # over: a series never fills history with windows nobody saw
        if found >= AT_LEAST and start >= now + AHEAD:
            return
        found += 1
        yield start


def _plan(series: MaintenanceSeries, now: datetime) -> list[int]:
    """Create the occurrences of `series` (locked by the caller) not planned yet."""
    created = []
    duration = timedelta(minutes=series.duration_minutes)
    for start in slots(series, now):
        if series.planned_through is not None and start <= series.planned_through:
            continue
        existing = set(lock_components(series.component_ids))
        try:
            with db.session.begin_nested():
                occurrence = schedule_maintenance(
                    name=series.name,
                    message=series.message,
                    scheduled_for=start,
                    scheduled_until=start + duration,
                    component_ids=[cid for cid in series.component_ids if cid in existing],
                    actor="scheduler",
                    now=now,
                )
                db.session.add(
                    MaintenanceOccurrence(
                        series_id=series.id, starts_at=start, incident_id=occurrence.id
                    )
                )
                db.session.flush()
        except IntegrityError:
            continue  # planned meanwhile by another tick: it exists once
        created.append(occurrence.id)
        series.planned_through = start
    return created


def plan_all(now: datetime) -> list[int]:
    """Plan every active series ahead (inside the caller's transaction: the tick's)."""
    query = (
        select(MaintenanceSeries)
        .where(MaintenanceSeries.stopped_at.is_(None))
        .order_by(MaintenanceSeries.id)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    created = []
    for series in db.session.scalars(query).all():
        created += _plan(series, now)
    return created


def _rule(name, message, cadence, first_start, first_end, component_ids):
    """The checked values of a series, as (name, message, cadence, start, minutes, ids)."""
    name = validate.text(name, "title", max_len=MAX_TITLE)
    message = validate.text(message, "message", max_len=MAX_MESSAGE, multiline=True)
    cadence = validate.choice(Cadence, cadence, "cadence", label="repeat")
    starts = validate.aware(first_start, "start")
    ends = validate.aware(first_end, "end")
    if ends <= starts:
        raise Invalid("The maintenance must end after it starts.", "scheduled_until")
    if ends - starts >= LONGEST[cadence]:
        raise Invalid(
            f"A window that repeats {cadence.label.lower()} must be shorter than "
            f"{LONGEST[cadence].days} days, or one would overlap the next.",
            "scheduled_until",
        )
    ids = [c.id for c in locked_components(component_ids)]
    return name, message, cadence, starts, int((ends - starts).total_seconds() // 60), ids


@transactional
def create_series(
    *,
    name: str,
    message: str,
    cadence: str,
    first_start: datetime,
    first_end: datetime,
    component_ids: Iterable[int] = (),
    actor=None,
    now: datetime | None = None,
) -> MaintenanceSeries:
    """Start a recurring maintenance; its first occurrences are planned at once."""
    now = now or utcnow()
    name, message, cadence, starts, minutes, ids = _rule(
        name, message, cadence, first_start, first_end, component_ids
    )
    series = MaintenanceSeries(
        name=name,
        message=message,
        cadence=cadence,
        first_start=starts,
        duration_minutes=minutes,
        time_zone=get_settings().time_zone,
        component_ids=ids,
        created_at=now,
        updated_at=now,
    )
    db.session.add(series)
    db.session.flush()
    _plan(series, now)
    bump_version()
    audit.record(actor, "maintenance.series_create", "maintenance_series", series.id, name=name)
    return series


def _locked_series(series: MaintenanceSeries | int) -> MaintenanceSeries:
    series = locked(MaintenanceSeries, series, missing=SERIES_GONE)
    if not series.active:
        raise Invalid(STOPPED)
    return series


def _drop_unstarted(series: MaintenanceSeries) -> None:
    """Delete the occurrences that have not started (a new rule plans them afresh);
    planning then goes on after the last one kept."""
    occurrences = db.session.execute(
        select(Incident, MaintenanceOccurrence.starts_at)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.incident_id == Incident.id)
        .where(MaintenanceOccurrence.series_id == series.id)
        .order_by(Incident.id)
        .with_for_update(of=Incident, key_share=True)
    ).all()
    kept = []
    for occurrence, starts_at in occurrences:
        if occurrence.status == IncidentStatus.SCHEDULED:
            db.session.delete(occurrence)  # its occurrence row goes with it (cascade)
        else:
            kept.append(starts_at)
    series.planned_through = max(kept, default=None)
    db.session.flush()


@transactional
def update_series(
    series: MaintenanceSeries | int,
    *,
    name: str,
    message: str,
    cadence: str,
    first_start: datetime,
    first_end: datetime,
    component_ids: Iterable[int] = (),
    actor=None,
    now: datetime | None = None,
) -> MaintenanceSeries:
    """Change the rule; upcoming occurrences that have not started follow it (they are
    planned again), those running or past stay as they were."""
    now = now or utcnow()
    series = _locked_series(series)
    name, message, cadence, starts, minutes, ids = _rule(
        name, message, cadence, first_start, first_end, component_ids
    )
    _drop_unstarted(series)
    series.name, series.message, series.cadence = name, message, cadence
    series.first_start, series.duration_minutes, series.component_ids = starts, minutes, ids
    series.updated_at = now
    _plan(series, now)
    bump_version()
    audit.record(actor, "maintenance.series_update", "maintenance_series", series.id, name=name)
    return series


@transactional
def stop_series(series: MaintenanceSeries | int, *, actor=None, now: datetime | None = None):
    """No more occurrences: the upcoming ones that have not started are removed; running
    and past ones stay in history."""
    now = now or utcnow()
    series = _locked_series(series)
    _drop_unstarted(series)
    series.stopped_at = series.updated_at = now
    bump_version()
    audit.record(actor, "maintenance.series_stop", "maintenance_series", series.id)
    return series


def get_series(series_id: int) -> MaintenanceSeries:
    series = db.session.get(MaintenanceSeries, series_id)
    if series is None:
        raise NotFound("No such recurring maintenance.")
    return series


def list_series() -> list[MaintenanceSeries]:
    """Active series first, then stopped ones, newest first within each."""
    return list(
        db.session.scalars(
            select(MaintenanceSeries).order_by(
                MaintenanceSeries.stopped_at.is_not(None), MaintenanceSeries.id.desc()
            )
        )
    )


def upcoming_occurrences(series: MaintenanceSeries) -> list[Incident]:
    """The occurrences planned and not yet completed, soonest first."""
    return list(
        db.session.scalars(
            select(Incident)
            .join(MaintenanceOccurrence, MaintenanceOccurrence.incident_id == Incident.id)
            .where(
                MaintenanceOccurrence.series_id == series.id,
                Incident.status != IncidentStatus.COMPLETED,
            )
            .order_by(Incident.scheduled_for, Incident.id)
        )
    )


def series_id_of(maintenance: Incident) -> int | None:
    """The series `maintenance` is an occurrence of, if any."""
    return db.session.scalar(
        select(MaintenanceOccurrence.series_id).where(
            MaintenanceOccurrence.incident_id == maintenance.id
        )
    )
