"""Uptime laid out as month calendars, for the /uptime page, three months at a time:
page 1 ends with this month, page 2 is the three months before, and so on back to the
months holding the first recorded status."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from app.services.uptime import ComponentUptime, DayUptime


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


def _shift(day: date, months: int) -> date:
    """The first day of the month `months` months after `day`'s (before, when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def last_page(today: date, earliest: date | None, months: int) -> int:
    """How many pages of `months` months reach back to the month of `earliest` (at least 1)."""
    if earliest is None or earliest >= today:
        return 1
    return months_between(earliest, today) // months + 1


def page_window(today: date, page: int, months: int) -> tuple[date, date]:
    """The first and last day of page `page` (1: the months ending with today)."""
    last_month = _shift(today, -months * (page - 1))
    first = _shift(last_month, -(months - 1))
    last = today if page == 1 else _shift(last_month, 1) - timedelta(days=1)
    return first, last


def calendar_months(uptime: ComponentUptime, months: int) -> list[CalendarMonth]:
    """Lay a component's days out as month calendars, oldest month first."""
    by_day = {d.day: d for d in uptime.days}
    return [
        CalendarMonth(title, [[by_day.get(d) if d else None for d in week] for week in weeks])
        for title, weeks in _month_grids(uptime.days[-1].day, months)
    ]


@lru_cache(maxsize=8)
def _month_grids(today: date, months: int) -> tuple[tuple[str, tuple], ...]:
    """Each month's title and weeks of dates (None outside the month): the same for every
    component, so worked out once a day."""
    first = months_back_start(today, months)
    result = []
    year, month = first.year, first.month
    for _ in range(months):
        weeks = tuple(
            tuple(d if d.month == month else None for d in week)
            for week in calendar.Calendar().monthdatescalendar(year, month)
        )
        result.append((f"{calendar.month_name[month]} {year}", weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(result)
