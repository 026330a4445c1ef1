"""The customers' pages: the status page, an incident, the history, the uptime calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby

from flask import abort, redirect, render_template, url_for

from app.cache import BadArgument, public_cached
from app.models import Component, ComponentGroup, ComponentStatus, Incident, utcnow
from app.public import bp
from app.services import incidents as incident_service
from app.services import status as status_service
from app.services import uptime as uptime_service
from app.services import uptime_calendar, uptime_periods
from app.services.component_groups import list_groups
from app.services.components import list_components
from app.services.errors import NotFound
from app.templating import page_settings, page_zone

RECENT_DAYS = 7
HISTORY_PER_PAGE = 20
CALENDAR_MONTHS = 3
# Far beyond any real history, small enough that the database offset never overflows.
_MAX_PAGE = 1_000_000
# A history day is one of a bounded set: from 1970 to today (later days are a 404).
_FIRST_DAY = date(1970, 1, 1)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Section:
    """One block of the component list: a group with its children, or one ungrouped component."""

    group: ComponentGroup | None
    components: list[Component] = field(default_factory=list)
    # The ungrouped components of a page that has groups, shown under "Other components".
    others: bool = False

    @property
    def worst_status(self) -> ComponentStatus:
        # The group's hidden children are all operational, so its shown ones decide; reading
        # them, not group.components, saves a query per group.
        statuses = (c.status for c in self.components)
        return max(statuses, key=lambda s: s.severity, default=ComponentStatus.OPERATIONAL)

    @property
    def is_open(self) -> bool:
        return self.worst_status != ComponentStatus.OPERATIONAL


def _is_visible(component: Component) -> bool:
    return not (component.only_show_if_degraded and component.status == ComponentStatus.OPERATIONAL)


def counts_maintenance() -> bool:
    """Whether the page counts scheduled maintenance as downtime (a page setting)."""
    return bool(page_settings().count_maintenance_as_downtime)


def component_sections(components: list[Component], groups: list[ComponentGroup]) -> list[Section]:
    """Groups in page order (a group sits where its first child does). Ungrouped components
    follow in one "Other components" section, or, on a page without groups, one by one."""
    # Groups looked up by id, not through component.group: that would be a query per group.
    group_of = {group.id: group for group in groups}
    sections: list[Section] = []
    by_group: dict[int, Section] = {}
    for component in sorted(components, key=lambda c: (c.position, c.id)):
        if not _is_visible(component):
            continue
        group = group_of.get(component.group_id)
        if group is None:
            sections.append(Section(None, [component]))
        elif group.id in by_group:
            by_group[group.id].components.append(component)
        else:
            by_group[group.id] = Section(group, [component])
            sections.append(by_group[group.id])
    if not by_group:
        return sections
    # A lone component among groups would read as one more group's header: name them.
    ungrouped = [c for s in sections if s.group is None for c in s.components]
    grouped = [s for s in sections if s.group is not None]
    return grouped + ([Section(None, ungrouped, others=True)] if ungrouped else [])


@bp.route("/")
@public_cached
def index():
    now, tz = utcnow(), page_zone()
    components = list_components()
    active = status_service.active_incidents()
    in_progress = status_service.active_maintenance()
    # The same rule as status.current_page_status, without querying the lists twice.
    banner = status_service.page_status(
        [c.status for c in components], [i.impact for i in active], bool(in_progress)
    )
    sections = component_sections(components, list_groups())
    shown = [c.id for s in sections for c in s.components if c.showcase]
    recent = [
        (day, uptime_service.format_day(day), found)
        for day, found in status_service.recent_days(now, RECENT_DAYS, tz)
    ]
    return render_template(
        "public/index.html",
        banner=banner,
        active_incidents=active,
        in_progress=in_progress,
        upcoming=status_service.upcoming_maintenance(),
        sections=sections,
        uptimes=uptime_service.daily_uptime(
            shown, now=now, tz=tz, count_maintenance=counts_maintenance()
        ),
        uptime_days=uptime_service.DAYS,
        narrow_days=uptime_service.NARROW_DAYS,
        recent_days=recent,
    )


@bp.route("/incidents/<int:incident_id>")
@public_cached
def incident(incident_id: int):
    try:
        found = incident_service.get_incident(incident_id)
    except NotFound:
        abort(404)
    return render_template("public/incident.html", incident=found)


def page_number(raw: str | None) -> int:
    """`?page=`: a whole number ≥ 1 (leading zeros allowed), or BadArgument (a 400)."""
    raw = (raw if raw is not None else "1").strip()
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits:
        raise BadArgument("The page number must be a whole number, 1 or more.")
    return _MAX_PAGE if len(digits) > 7 else min(int(digits), _MAX_PAGE)


def history_day(raw: str | None) -> str | None:
    """`?day=`: a date written YYYY-MM-DD from 1970 on, kept in that one spelling; absent or
    blank is None (the whole history); anything else is BadArgument (a 400)."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    try:
        day = date.fromisoformat(value) if _ISO_DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None or day < _FIRST_DAY:
        raise BadArgument("The day must be a date from 1970 on, written YYYY-MM-DD (2024-05-10).")
    return day.isoformat()


def _by_month(items: list[Incident], tz) -> list[tuple[str, list[Incident]]]:
    def month(item: Incident) -> str:
        local = item.started_at.astimezone(tz)
        return f"{local:%B} {local.year}"

    return [(label, list(group)) for label, group in groupby(items, key=month)]


@bp.route("/history")
@public_cached(args={"page": page_number, "day": history_day})
def history(page: int, day: str | None):
    if day is not None:
        return _history_day(date.fromisoformat(day), page)
    found = status_service.history(page, per_page=HISTORY_PER_PAGE)
    if page > found.pages:
        # One URL per page that exists: numbers past the end are sent to the last page,
        # rather than each cached as a copy of it.
        return redirect(url_for("public.history", page=found.pages))
    return render_template(
        "public/history.html", pager=found, months=_by_month(found.items, page_zone())
    )


def _history_day(day: date, page: int):
    """One local day: every incident and maintenance under way at some time that day."""
    if page != 1:  # one page per day: ?page= adds nothing but another copy
        return redirect(url_for("public.history", day=day.isoformat()))
    tz = page_zone()
    if day > utcnow().astimezone(tz).date():
        abort(404, description="That day has not come yet, so it has no history.")
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return render_template(
        "public/history_day.html",
        day_label=uptime_service.format_day(day),
        items=status_service.on_day(start, end),
        zone_name=str(tz),
    )


@bp.route("/uptime")
@public_cached(args={"page": page_number})
def uptime(page: int):
    now, tz = utcnow(), page_zone()
    today = now.astimezone(tz).date()
    components = [
        c
        for s in component_sections(list_components(), list_groups())
        for c in s.components
        if c.showcase
    ]
    ids = [c.id for c in components]
    earliest = uptime_periods.first_recorded(ids)
    pages = uptime_calendar.last_page(
        today, earliest.astimezone(tz).date() if earliest else None, CALENDAR_MONTHS
    )
    if page > pages:
        # Pages before the first recorded status would only say "no data": one URL for that.
        return redirect(url_for("public.uptime", page=pages if pages > 1 else None))
    first, last = uptime_calendar.page_window(today, page, CALENDAR_MONTHS)
    by_id = uptime_service.daily_uptime(
        ids,
        now=now,
        tz=tz,
        days=(last - first).days + 1,
        until=last,
        count_maintenance=counts_maintenance(),
    )
    calendars = [
        (c, by_id[c.id], uptime_calendar.calendar_months(by_id[c.id], CALENDAR_MONTHS))
        for c in components
    ]
    weekdays = [(today - timedelta(days=today.weekday() - n)) for n in range(7)]
    return render_template(
        "public/uptime.html",
        calendars=calendars,
        weekdays=[(f"{d:%a}", f"{d:%A}") for d in weekdays],
        since=uptime_service.format_day(first),
        until=uptime_service.format_day(last),
        # `page` in a template is the page settings (base.html): these say "screen".
        screen=page,
        screens=pages,
        count_maintenance=counts_maintenance(),
    )
