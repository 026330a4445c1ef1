"""The history feeds (Atom, RSS, per component) and the maintenance calendar."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from icalendar import Calendar

from app.cache import state
from app.models import utcnow
from app.services import incidents, maintenance

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://status.example.com"


@pytest.fixture(autouse=True)
def fresh_site(app, monkeypatch):
    """A known public address (the `app` fixture has already emptied the render cache)."""
    monkeypatch.setitem(app.config, "SITE_URL", SITE)


def open_incident(name="API errors", components=None, now=None, message="We are investigating."):
    return incidents.open_incident(
        name=name, impact="major", message=message, components=components or {}, now=now
    )


def schedule(name="Database upgrade", starts=None, hours=2, component_ids=(), now=None):
    starts = starts or utcnow() + timedelta(days=2)
    return maintenance.schedule_maintenance(
        name=name,
        message="We will upgrade the database.",
        scheduled_for=starts,
        scheduled_until=starts + timedelta(hours=hours),
        component_ids=component_ids,
        now=now,
    )


def atom(client, url="/history.atom"):
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed, ET.fromstring(response.data)  # noqa: S314 - our own output


def rss(client, url="/history.rss"):
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/rss+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed, ET.fromstring(response.data)  # noqa: S314 - our own output


def entries_by_id(root):
    return {e.findtext(f"{ATOM}id"): e for e in root.findall(f"{ATOM}entry")}


def test_atom_feed_has_every_element_rfc_4287_requires(app, client):
    """Does the Atom feed validate, with one complete entry per incident and maintenance?"""
    incident = open_incident()
    planned = schedule()

    _, parsed, root = atom(client)

    assert root.findtext(f"{ATOM}id") == "tag:status.example.com,2026:history"
    assert root.findtext(f"{ATOM}title")
    assert root.findtext(f"{ATOM}updated")
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Herald Status"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == f"{SITE}/history.atom"
    assert links["alternate"] == SITE
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"tag:status.example.com,2026:maintenance-{planned.id}",
        f"tag:status.example.com,2026:incident-{incident.id}",
    ], "newest first, maintenance included"
    for entry, event in zip(entries, [planned, incident], strict=True):
        assert entry.findtext(f"{ATOM}title") == event.name
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == event.updated_at
        assert entry.find(f"{ATOM}link").get("href") == f"{SITE}/incidents/{event.id}"
        assert entry.find(f"{ATOM}content").get("type") == "html"
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
    assert len(parsed.entries) == 2


def test_rss_feed_has_every_element_rss_2_requires(app, client):
    """Does the RSS feed validate, with a non-permalink guid and a date on every item?"""
    incident = open_incident()
    schedule()

    _, parsed, root = rss(client)

    channel = root.find("channel")
    assert channel.findtext("title")
    assert channel.findtext("link") == SITE
    assert channel.findtext("description")
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == f"{SITE}/history.rss"
    items = channel.findall("item")
    assert len(items) == 2
    for item in items:
        assert item.findtext("title")
        assert item.findtext("pubDate")
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.findtext("guid").startswith("tag:status.example.com,2026:")
    assert items[1].findtext("link") == f"{SITE}/incidents/{incident.id}"
    assert parsed.entries[1].id == f"tag:status.example.com,2026:incident-{incident.id}"


def test_entry_lists_every_update_as_sanitised_html(app, client):
    """Does an entry show each update's status, time and text, with nothing runnable?"""
    incident = open_incident(message="Errors on **login** <script>alert(1)</script>")
    incidents.post_update(
        incident,
        status="identified",
        message="Found it: [details](javascript:alert(2))",
        now=incident.updated_at + timedelta(minutes=5),
    )

    _, parsed, _ = atom(client)

    content = parsed.entries[0].content[0]
    assert content.type == "text/html"
    html = content.value
    assert "Investigating" in html and "Identified" in html
    assert "<strong>login</strong>" in html
    assert "Found it" in html
    assert "<script" not in html
    assert 'href="javascript:' not in html
    assert html.index("Identified") < html.index("Investigating"), "newest update first"


def test_new_update_moves_updated_and_keeps_the_id(app, client):
    """Does posting an update change the feed on the very next request, under the same id?"""
    incident = open_incident()
    first, _, root = atom(client)
    entry_id = f"tag:status.example.com,2026:incident-{incident.id}"
    before = entries_by_id(root)[entry_id].findtext(f"{ATOM}updated")

    later = incident.updated_at + timedelta(minutes=10)
    incidents.post_update(incident, status="monitoring", message="A fix is live.", now=later)
    second, parsed, root = atom(client, "/history.atom")

    assert second.headers["ETag"] != first.headers["ETag"]
    entry = entries_by_id(root)[entry_id]
    assert entry.findtext(f"{ATOM}updated") != before
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == later
    assert "A fix is live." in parsed.entries[0].content[0].value
    assert list(entries_by_id(root)) == [entry_id]


def test_conditional_get_is_answered_with_304(app, client):
    """Can a feed reader poll cheaply with If-None-Match?"""
    open_incident()
    first = client.get("/history.rss")
    again = client.get("/history.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert "public" in first.headers["Cache-Control"]


def test_feed_holds_the_latest_fifty(app, client):
    """Does the feed stop at the 50 most recent events?"""
    start = utcnow() - timedelta(days=10)
    for n in range(52):
        open_incident(name=f"Incident {n}", now=start + timedelta(minutes=n))

    _, parsed, _ = atom(client)

    assert len(parsed.entries) == 50
    assert parsed.entries[0].title == "Incident 51"
    assert parsed.entries[-1].title == "Incident 2"


def test_component_feed_has_only_that_components_incidents(app, client, make_component):
    """Does a component's feed list only the incidents and maintenance that affected it?"""
    api = make_component("API")
    web = make_component("Website")
    api_incident = open_incident("API slow", components={api.id: "degraded_performance"})
    open_incident("Website down", components={web.id: "major_outage"})
    api_work = schedule("API maintenance", component_ids=[api.id])

    for url in (f"/components/{api.code}/history.atom", f"/components/{api.code}/history.rss"):
        parse = atom if url.endswith(".atom") else rss
        _, parsed, _ = parse(client, url)
        assert sorted(e.title for e in parsed.entries) == ["API maintenance", "API slow"]
        assert {e.id for e in parsed.entries} == {
            f"tag:status.example.com,2026:incident-{api_incident.id}",
            f"tag:status.example.com,2026:maintenance-{api_work.id}",
        }
    _, _, root = atom(client, f"/components/{api.code}/history.atom")
    assert root.findtext(f"{ATOM}id") == f"tag:status.example.com,2026:component-{api.code}"
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == f"{SITE}/components/{api.code}/history.atom"


@pytest.mark.parametrize("suffix", ["history.atom", "history.rss"])
def test_unknown_component_feed_is_404(app, client, suffix):
    """Does a feed for a component that does not exist say so?"""
    assert client.get(f"/components/nosuchthing0/{suffix}").status_code == 404


def test_empty_feeds_are_still_valid(app, client):
    """Is a brand-new page's feed valid before anything has happened?"""
    _, parsed, root = atom(client)
    assert parsed.entries == []
    assert root.findtext(f"{ATOM}updated")
    _, parsed, _ = rss(client)
    assert parsed.entries == []


def calendar_events(client):
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendar_round_trips_with_upcoming_and_recent_maintenance(app, client):
    """Does the .ics parse back, listing upcoming and recent windows but not old ones?"""
    now = utcnow()
    upcoming = schedule("Upcoming upgrade", starts=now + timedelta(days=3))
    recent = schedule("Recent work", starts=now - timedelta(days=10), now=now - timedelta(days=20))
    old = schedule("Old work", starts=now - timedelta(days=120), now=now - timedelta(days=130))
    maintenance.tick(now=now - timedelta(days=120))
    maintenance.tick(now=now - timedelta(days=119))
    maintenance.tick(now=now - timedelta(days=10))
    maintenance.tick(now=now - timedelta(days=9))
    incident = open_incident("Not maintenance")

    events = calendar_events(client)

    assert set(events) == {
        f"maintenance-{upcoming.id}@status.example.com",
        f"maintenance-{recent.id}@status.example.com",
    }
    assert f"maintenance-{old.id}@status.example.com" not in events
    assert f"maintenance-{incident.id}@status.example.com" not in events
    event = events[f"maintenance-{upcoming.id}@status.example.com"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == upcoming.scheduled_for.replace(microsecond=0)
    assert end == upcoming.scheduled_until.replace(microsecond=0)
    assert start.utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Upcoming upgrade"
    assert "We will upgrade the database." in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"{SITE}/incidents/{upcoming.id}"
    assert str(event["STATUS"]) == "CONFIRMED"
    for name in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE"):
        assert name in event


def test_calendar_sequence_moves_with_each_change(app, client):
    """Do calendar apps see a newer revision after an update or a new time?"""
    created = utcnow() - timedelta(hours=1)
    planned = schedule(starts=utcnow() + timedelta(days=1), now=created)
    uid = f"maintenance-{planned.id}@status.example.com"
    first = calendar_events(client)[uid]

    maintenance.reschedule(
        planned,
        scheduled_for=planned.scheduled_for + timedelta(hours=1),
        scheduled_until=planned.scheduled_until + timedelta(hours=1),
    )
    second = calendar_events(client)[uid]
    maintenance.post_maintenance_update(planned, status="in_progress", message="Started early.")
    third = calendar_events(client)[uid]

    sequences = [int(e["SEQUENCE"]) for e in (first, second, third)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert second.decoded("DTSTART") == first.decoded("DTSTART") + timedelta(hours=1)
    assert third.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")
    assert "Started early." in str(third["DESCRIPTION"])


def test_feeds_use_only_utc_times(app, client):
    """Are feed dates timezone-aware (RFC 3339 with an offset)?"""
    open_incident(now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    _, _, root = atom(client)
    for updated in root.iter(f"{ATOM}updated"):
        assert datetime.fromisoformat(updated.text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("url", ["/history.atom", "/history.rss"])
def test_a_longer_feed_costs_no_more_queries(app, client, make_component, url):
    """Are every entry's updates and affected components loaded together, so a feed of six
    incidents asks the database no more often than a feed of two?"""
    from sqlalchemy import event

    from app.extensions import db

    api = make_component("API")

    def queries_for(count: int) -> int:
        for n in range(count):
            open_incident(name=f"Outage {n}", components={api.id: "partial_outage"})
        state(app).store.clear()
        statements = []

        def record(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    assert queries_for(2) == queries_for(4)
