"""How uptime reads in words: dates, downtime, percentages, a component's 90-day overview."""

from __future__ import annotations

import math
from datetime import date


def overview(days: list, downtime_days: list, ends_today: bool = True) -> str:
    """ "No data before May 2, 2024. Downtime on 2 days since, none on the others:"."""
    with_data = [d for d in days if d.has_data]
    window = f"the last {len(days)} days" if ends_today else f"{days[0].label} to {days[-1].label}"
    if not with_data:
        return f"No data for {window}."
    if len(with_data) < len(days):
        text, span = f"No data before {with_data[0].label}. ", "since"
    else:
        text, span = "", f"in {window}" if ends_today else f"from {window}"
    if not downtime_days:
        return text + f"No downtime {span}."
    others = ", none on the others" if len(downtime_days) < len(with_data) else ""
    return text + f"Downtime on {_plural(len(downtime_days), 'day')} {span}{others}:"


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
