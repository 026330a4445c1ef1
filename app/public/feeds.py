"""Atom and RSS history feeds, per page and per component, and the maintenance calendar.

Ids are tag URIs built from database keys, so a feed reader keeps one entry
per incident however often it is updated or renamed. Every stored text passes
through `for_output` as it is written: a row holding a control character (from
an older version, or raw SQL) must not make a feed or the calendar fail.
"""

from __future__ import annotations

from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import Response, request
from icalendar import Calendar, Event
from markupsafe import Markup, escape

from app.cache import public_cached
from app.markup import render_markdown
from app.models import Incident, utcnow
from app.public import bp
from app.services.components import get_component_by_code
from app.services.feeds import calendar_maintenance, recent_events
from app.site import absolute_url, site_host, site_url
from app.templating import page_settings, status_label
from app.text import for_output

TAG_YEAR = 2026
ATOM = "application/atom+xml"
RSS = "application/rss+xml"


def tag_uri(name: str) -> str:
    """A permanent id (RFC 4151) under the site's host name."""
    return f"tag:{site_host()},{TAG_YEAR}:{name}"


def incident_url(incident: Incident) -> str:
    return absolute_url("public.incident", incident_id=incident.id)


def _stamp(value: datetime) -> str:
    return value.strftime("%b %-d, %Y %H:%M UTC")


def entry_html(incident: Incident) -> str:
    """Every update, newest first: status, time and the sanitised text."""
    parts = []
    if incident.affected:
        names = ", ".join(a.component_name for a in incident.affected)
        parts.append(Markup("<p><em>Affected: {}</em></p>").format(names))
    if incident.is_maintenance and incident.scheduled_for and incident.scheduled_until:
        parts.append(
            Markup("<p>Scheduled from {} to {}</p>").format(
                _stamp(incident.scheduled_for), _stamp(incident.scheduled_until)
            )
        )
    for update in incident.updates:
        parts.append(
            Markup("<p><strong>{}</strong> &middot; {}</p>{}").format(
                status_label(update.status), _stamp(update.display_at), render_markdown(update.body)
            )
        )
    return "\n".join(parts)


def entry_summary(incident: Incident) -> str:
    latest = incident.latest_update
    what = "Maintenance" if incident.is_maintenance else "Incident"
    text = f"{what} · {status_label(incident.status)}"
    if latest is not None:
        body = " ".join(latest.body.split())
        text += f": {body[:280]}{'…' if len(body) > 280 else ''}"
    return text


def build_feed(
    events: list[Incident],
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    since: datetime | None = None,
):
    """The feed of `events`; dated by its newest entry, or when empty by `since` (default:
    the page's last change)."""
    page = page_settings()
    feed = FeedGenerator()
    feed.id(tag_uri(feed_id))
    feed.title(for_output(title, one_line=True))
    feed.subtitle(for_output(subtitle, one_line=True))
    feed.author({"name": for_output(page.name, one_line=True), "uri": site_url()})
    feed.link(href=site_url() + request.path, rel="self")
    # RSS keeps only the last link given: the page, not the feed itself.
    feed.link(href=site_url(), rel="alternate", type="text/html")
    feed.language("en")
    feed.generator("Herald")
    feed.updated(max((e.updated_at for e in events), default=since or page.updated_at or utcnow()))
    for incident in events:
        entry = feed.add_entry(order="append")
        entry.id(tag_uri(f"{incident.kind}-{incident.id}"))
        entry.guid(tag_uri(f"{incident.kind}-{incident.id}"), permalink=False)
        entry.title(for_output(incident.name, one_line=True))
        entry.link(href=incident_url(incident), rel="alternate", type="text/html")
        entry.published(incident.created_at)
        entry.updated(incident.updated_at)
        entry.author({"name": for_output(page.name, one_line=True)})
        # RSS readers treat <description> as HTML: the summary goes in as escaped text.
        entry.description(str(escape(for_output(entry_summary(incident)))))
        entry.content(for_output(entry_html(incident)), type="html")
    return feed


def _history():
    name = page_settings().name
    return build_feed(
        recent_events(),
        feed_id="history",
        title=f"{name} - Incident history",
        subtitle=f"Incidents and scheduled maintenance on {name}",
    )


def _component_history(code: str):
    component = get_component_by_code(code)
    name = page_settings().name
    return build_feed(
        recent_events(component),
        feed_id=f"component-{component.code}",
        title=f"{name} - {component.name} incident history",
        subtitle=f"Incidents and scheduled maintenance affecting {component.name}",
        # Not the page's last change: a quiet component's feed stays as it is (and so
        # does its file in the static mirror) while others change.
        since=component.updated_at,
    )


@bp.route("/history.atom")
@public_cached
def history_atom():
    return Response(_history().atom_str(pretty=True), mimetype=ATOM)


@bp.route("/history.rss")
@public_cached
def history_rss():
    return Response(_history().rss_str(pretty=True), mimetype=RSS)


@bp.route("/components/<code>/history.atom")
@public_cached
def component_history_atom(code: str):
    return Response(_component_history(code).atom_str(pretty=True), mimetype=ATOM)


@bp.route("/components/<code>/history.rss")
@public_cached
def component_history_rss(code: str):
    return Response(_component_history(code).rss_str(pretty=True), mimetype=RSS)


def calendar_description(maintenance: Incident) -> str:
    lines = []
    for update in maintenance.updates:
        lines.append(f"{status_label(update.status)} ({_stamp(update.display_at)})")
        lines.append(update.body)
        lines.append("")
    lines.append(incident_url(maintenance))
    return "\n".join(lines)


def calendar_sequence(maintenance: Incident) -> int:
    """A revision number that grows with every change calendar apps should pick up.

    Nothing stores a revision count, but every change (a new time, an update)
    moves updated_at forward, and every update adds a row: seconds since
    creation plus the number of updates never goes back, and grows even when
    two changes land within the same second.
    """
    elapsed = (maintenance.updated_at - maintenance.created_at).total_seconds()
    return max(0, int(elapsed)) + len(maintenance.updates) - 1


def maintenance_event(maintenance: Incident) -> Event:
    event = Event()
    event.add("uid", f"maintenance-{maintenance.id}@{site_host()}")
    event.add("dtstamp", maintenance.updated_at)
    event.add("created", maintenance.created_at)
    event.add("last-modified", maintenance.updated_at)
    event.add("sequence", calendar_sequence(maintenance))
    if maintenance.status.is_closed and maintenance.resolved_at:
        # Completed: the window it really ran in (an early completion ends it early).
        starts, ends = maintenance.started_at, maintenance.resolved_at
    else:
        starts = maintenance.scheduled_for or maintenance.started_at
        ends = maintenance.scheduled_until or starts
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", for_output(maintenance.name, one_line=True))
    event.add("description", for_output(calendar_description(maintenance)))
    event.add("url", incident_url(maintenance))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


@bp.route("/maintenance.ics")
@public_cached
def maintenance_ics():
    calendar = Calendar()
    calendar.add("prodid", "-//Herald//Maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", for_output(f"{page_settings().name} maintenance", one_line=True))
    for maintenance in calendar_maintenance(utcnow()):
        calendar.add_component(maintenance_event(maintenance))
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response
