"""The customers' pages: what a visitor sees on /, an incident, the history and /uptime."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from lxml import html

from app.models import utcnow
from app.services import backfill, component_groups, components, incidents, maintenance, postmortems
from app.services.backfill import PastUpdate


def visit(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return html.fromstring(response.get_data(as_text=True))


def text(node) -> str:
    return " ".join(node.text_content().split())


def one(doc, xpath: str):
    found = doc.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def by_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def banner(client) -> str:
    return text(one(visit(client, "/"), f"//p[{by_class('banner')}]"))


def open_incident(name="Slow API", impact="minor", message="Looking into it.", **kwargs):
    return incidents.open_incident(name=name, impact=impact, message=message, **kwargs)


@pytest.mark.parametrize(
    ("status", "words", "indicator"),
    [
        ("operational", "All Systems Operational", "none"),
        ("degraded_performance", "Minor Service Outage", "minor"),
        ("partial_outage", "Partial System Outage", "major"),
        ("major_outage", "Major System Outage", "critical"),
        ("under_maintenance", "Service Under Maintenance", "maintenance"),
    ],
)
def test_banner_sums_up_the_component_statuses(client, make_component, status, words, indicator):
    """Does the banner say, in words and colour, how the worst component is doing?"""
    make_component("Web")
    make_component("API", status=status)
    doc = visit(client, "/")
    node = one(doc, f"//p[{by_class('banner')}]")
    assert text(node) == words
    assert f"banner-{indicator}" in node.get("class")


def test_banner_follows_an_open_incidents_impact(client, make_component):
    """Does a critical incident turn the banner red even while components look fine?"""
    make_component("API")
    open_incident(impact="critical")
    assert banner(client) == "Major System Outage"


def test_active_incident_shows_impact_status_and_latest_update(client, make_component):
    """Can a visitor see each open incident, its impact, status and newest update?"""
    api = make_component("API")
    found = open_incident(name="Slow API", impact="major", message="First look.")
    incidents.post_update(found, status="identified", message="Cause found.")
    doc = visit(client, "/")
    card = one(doc, "//section[@aria-labelledby='active-incidents']//article")
    assert "Slow API" in text(card)
    assert "Major impact" in text(card)
    assert "Identified" in text(card)
    assert "Cause found." in text(card) and "First look." not in text(card)
    assert card.xpath(".//a/@href") == [f"/incidents/{found.id}"]
    incidents.post_update(
        found, status="resolved", message="Fixed.", components={api.id: "operational"}
    )
    assert not visit(client, "/").xpath("//section[@aria-labelledby='active-incidents']")


def test_maintenance_in_progress_and_upcoming_show_their_window(client, make_component):
    """Are planned and running maintenance listed with their start and end?"""
    db_component = make_component("Database")
    now = utcnow().replace(microsecond=0)
    upcoming = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Brief read-only periods.",
        scheduled_for=now + timedelta(days=2),
        scheduled_until=now + timedelta(days=2, hours=2),
        component_ids=[db_component.id],
        now=now,
    )
    running = maintenance.schedule_maintenance(
        name="Network work",
        message="Rerouting.",
        scheduled_for=now - timedelta(minutes=10),
        scheduled_until=now + timedelta(hours=1),
        now=now - timedelta(hours=1),
    )
    maintenance.tick(now=now)
    doc = visit(client, "/")
    planned = one(doc, "//section[@aria-labelledby='maintenance-upcoming']")
    assert "Database upgrade" in text(planned) and "Affects: Database" in text(planned)
    times = planned.xpath(".//p[contains(@class, 'window')]/time/@datetime")
    assert times == [upcoming.scheduled_for.isoformat(), upcoming.scheduled_until.isoformat()]
    in_progress = one(doc, "//section[@aria-labelledby='maintenance-now']")
    assert "Network work" in text(in_progress)
    assert str(running.id) in in_progress.xpath(".//a/@href")[0]


def test_group_shows_its_worst_child_and_opens_when_something_is_wrong(client, make_component):
    """Does a collapsed group still tell a visitor that one of its components is down?"""
    core = component_groups.create_group(name="Core")
    edge = component_groups.create_group(name="Edge")
    make_component("Website", group_id=core.id)
    make_component("API", group_id=core.id, status="partial_outage")
    make_component("CDN", group_id=edge.id)
    doc = visit(client, "/")
    core_details, edge_details = doc.xpath("//li[contains(@class, 'component-group')]/details")
    assert "Core" in text(core_details.find("summary"))
    assert "Partial Outage" in text(core_details.find("summary"))
    assert core_details.get("open") is not None
    assert "Operational" in text(edge_details.find("summary"))
    assert edge_details.get("open") is None
    assert "CDN" in text(edge_details)


def test_components_in_order_with_status_words(client, make_component):
    """Are components listed by position, each with its status spelled out?"""
    make_component("Website")
    make_component("API", status="major_outage")
    make_component("Email")
    doc = visit(client, "/")
    rows = doc.xpath("//li[contains(@class, 'component') and not(contains(@class, 'group'))]")
    assert [text(r.xpath(".//*[contains(@class, 'component-name')]")[0]) for r in rows] == [
        "Website",
        "API",
        "Email",
    ]
    assert text(rows[1].xpath(".//span[contains(@class, 'status')]")[0]) == "Major Outage"


def test_only_show_if_degraded_hides_a_healthy_component(client, make_component):
    """Is a component marked 'only show if degraded' hidden until it has a problem?"""
    quiet = make_component("Batch jobs", only_show_if_degraded=True)
    assert "Batch jobs" not in text(visit(client, "/"))
    components.set_status(quiet, "degraded_performance")
    assert "Batch jobs" in text(visit(client, "/"))


def test_each_component_has_ninety_day_bars_with_text(client, make_component):
    """Does each bar tell its date and downtime as a tooltip, is a day with downtime a link
    that names its incident, and do screen readers hear a sentence, then those days only?"""
    api = make_component("API", now=utcnow() - timedelta(days=200))
    day = (utcnow() - timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    backfill.backfill_incident(
        name="Database failover",
        impact="critical",
        components={api.id: "major_outage"},
        updates=[
            PastUpdate("investigating", "Looking.", start),
            PastUpdate("resolved", "Fixed.", start + timedelta(minutes=60)),
        ],
    )
    doc = visit(client, "/")
    said = f"{day:%b} {day.day}, {day.year}: 1 hour of downtime: Database failover"
    bars = one(doc, "//ol[contains(@class, 'bars')]")
    assert bars.get("aria-hidden") is None
    assert len(bars) == 90
    quiet = [bar for bar in bars if bar.get("aria-hidden") == "true"]
    assert len(quiet) == 89 and all(bar.get("title") for bar in quiet)
    link = one(bars, f".//a[{by_class('day-link')}]")
    assert link.get("title") == said and not text(link)  # its name, and a tooltip
    assert link.get("href") == f"/history?day={day.isoformat()}"
    assert "bar-partial" in bars[-3].get("class")
    spoken = text(one(doc, f"//div[{by_class('uptime')}]/p[{by_class('visually-hidden')}]"))
    assert spoken == "Downtime on 1 day in the last 90 days, none on the others:"
    percentage = text(one(doc, f"//span[{by_class('percentage')}][{by_class('wide-only')}]"))
    assert re.fullmatch(r"99\.\d\d% uptime", percentage)


def test_a_new_component_says_since_when_it_has_data(client, make_component):
    """Do screen readers hear that days before a component existed have no data?"""
    make_component("Search", now=utcnow() - timedelta(days=3))
    first = (utcnow() - timedelta(days=3)).date()
    doc = visit(client, "/")
    spoken = text(one(doc, f"//div[{by_class('uptime')}]/p[{by_class('visually-hidden')}]"))
    assert spoken == f"No data before {first:%b} {first.day}, {first.year}. No downtime since."
    titles = [b.get("title") for b in doc.xpath("//ol[contains(@class, 'bars')]/li")]
    assert titles[0].endswith(": No data") and titles[-1].endswith(": No downtime")


def test_past_week_lists_incidents_day_by_day(client, make_component):
    """Are the last 7 days shown, quiet ones saying so, with a link to the full history?"""
    now = utcnow()
    backfill.backfill_incident(
        name="Login errors",
        impact="minor",
        updates=[
            PastUpdate("investigating", "Looking.", now - timedelta(days=2)),
            PastUpdate("resolved", "Fixed.", now - timedelta(days=2) + timedelta(minutes=5)),
        ],
    )
    doc = visit(client, "/")
    days = doc.xpath("//section[@aria-labelledby='past-incidents']//div[@class='day']")
    assert len(days) == 7
    assert [text(d).count("No incidents reported.") for d in days].count(1) == 6
    assert "Login errors" in text(days[2])
    assert doc.xpath("//a[@href='/history']")


def test_header_and_footer_point_to_feeds_support_and_api(client, app):
    """Can a visitor find the feeds, the API and the support site?"""
    from app.services.page import update_settings

    update_settings(
        name="Acme Status",
        logo_url=None,
        accent_color="#1f6feb",
        support_url="https://help.example.com",
        time_zone="Etc/UTC",
        actor="test",
    )
    doc = visit(client, "/")
    hrefs = doc.xpath("//a/@href")
    for href in ("/history.atom", "/history.rss", "/maintenance.ics", "/api/v2/summary.json"):
        assert href in hrefs
    assert "https://help.example.com" in hrefs
    assert "Subscribe" in text(one(doc, "//details[contains(@class, 'subscribe')]/summary"))
    assert "Powered by Herald" in text(one(doc, "//footer"))
    assert "Acme Status" in text(one(doc, "//h1"))


def test_incident_page_shows_timeline_newest_first(client, make_component):
    """Does an incident page list every update, newest first, with the affected components?"""
    api = make_component("API")
    t0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    found = open_incident(
        name="API down",
        impact="critical",
        message="Investigating.",
        components={api.id: "major_outage"},
        now=t0,
    )
    incidents.post_update(
        found, status="identified", message="Found it.", now=t0 + timedelta(minutes=5)
    )
    incidents.post_update(
        found, status="monitoring", message="Watching.", now=t0 + timedelta(minutes=9)
    )
    doc = visit(client, f"/incidents/{found.id}")
    assert text(one(doc, "//h1")) == "API down"
    assert "Critical impact" in text(doc) and "Monitoring" in text(
        one(doc, "//header[contains(@class, 'incident-header')]")
    )
    statuses = [text(h) for h in doc.xpath("//ol[@class='timeline']/li/h3")]
    assert statuses == ["Monitoring", "Identified", "Investigating"]
    assert "API" in text(one(doc, "//ul[@class='chips']"))


def test_a_script_in_an_update_never_reaches_the_page(client):
    """Is text a manager typed shown as text, never run in a visitor's browser?"""
    found = open_incident(message="Hello <script>alert(1)</script> <img src=x onerror=alert(2)>")
    for url in ("/", f"/incidents/{found.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body
        assert "<img src=x" not in body
    assert "Hello <script>alert(1)</script>" in text(visit(client, f"/incidents/{found.id}"))


def test_postmortem_shows_only_once_published(client):
    """Is a postmortem draft kept private, and the published one shown?"""
    found = open_incident()
    incidents.post_update(found, status="resolved", message="Fixed.")
    postmortems.save_postmortem(found, body="Draft **notes**.", publish=False)
    assert "Draft" not in text(visit(client, f"/incidents/{found.id}"))
    postmortems.save_postmortem(found, body="The **root cause** was DNS.", publish=True)
    doc = visit(client, f"/incidents/{found.id}")
    section = one(doc, "//section[contains(@class, 'postmortem')]")
    assert "The root cause was DNS." in text(section)
    assert section.xpath(".//strong/text()") == ["root cause"]


def test_affected_components_keep_their_names_after_deletion(client, make_component):
    """Does an old incident still name a component that has since been deleted?"""
    legacy = make_component("Legacy API")
    found = open_incident(components={legacy.id: "partial_outage"})
    components.delete_component(legacy)
    assert "Legacy API" in text(
        one(visit(client, f"/incidents/{found.id}"), "//ul[@class='chips']")
    )


def test_maintenance_page_shows_its_window(client):
    """Does a maintenance page say when the work is scheduled?"""
    now = utcnow().replace(microsecond=0)
    planned = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=3),
        now=now,
    )
    doc = visit(client, f"/incidents/{planned.id}")
    assert "Scheduled maintenance" in text(doc)
    assert doc.xpath("//p[contains(@class, 'window')]/time/@datetime") == [
        planned.scheduled_for.isoformat(),
        planned.scheduled_until.isoformat(),
    ]


def test_unknown_incident_is_the_sites_404_page(client):
    """Does a wrong incident link give the site's own 'not found' page?"""
    doc = visit(client, "/incidents/999999", status=404)
    assert "Page not found" in text(one(doc, "//h1"))


def _past(name: str, when: datetime):
    return backfill.backfill_incident(
        name=name,
        impact="minor",
        updates=[
            PastUpdate("investigating", "Looking.", when),
            PastUpdate("resolved", "Fixed.", when + timedelta(minutes=30)),
        ],
    )


def test_history_groups_closed_events_by_month_newest_first(client):
    """Is the history grouped by month, newest first, without open incidents?"""
    _past("March outage", datetime(2024, 3, 10, 12, tzinfo=UTC))
    _past("April outage", datetime(2024, 4, 2, 12, tzinfo=UTC))
    open_incident(name="Still open")
    doc = visit(client, "/history")
    assert [text(h) for h in doc.xpath("//section[@class='month']/h2")] == [
        "April 2024",
        "March 2024",
    ]
    assert "Still open" not in text(doc)


def test_history_months_follow_the_page_time_zone(client, app):
    """Is an incident at 02:00 UTC on May 1 listed under April for a page in New York?"""
    from app.extensions import db
    from app.services.page import get_settings

    get_settings().time_zone = "America/New_York"
    db.session.commit()
    _past("Late night", datetime(2024, 5, 1, 2, tzinfo=UTC))
    assert [text(h) for h in visit(client, "/history").xpath("//section[@class='month']/h2")] == [
        "April 2024"
    ]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "", "²"])
def test_history_refuses_a_bad_page_number(client, value):
    """Does a nonsense page number get a clear 400 page rather than an error?"""
    doc = visit(client, f"/history?page={value}", status=400)
    assert "page number" in text(doc)


@pytest.mark.parametrize("value", ["3", "99", "9" * 40])
def test_history_beyond_the_end_leads_to_the_last_page(client, value):
    """Does a page number past the end lead to the oldest page instead of failing
    (by a redirect, so each made-up number is not one more copy of it to cache)?"""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(25):
        _past(f"Outage {n}", start + timedelta(days=n))
    beyond = client.get(f"/history?page={value}")
    assert beyond.status_code == 302
    assert beyond.headers["Location"] == "/history?page=2"
    assert "public" not in beyond.headers.get("Cache-Control", "")
    doc = visit(client, beyond.headers["Location"])
    assert "Page 2 of 2" in text(doc)
    assert "Outage 0" in text(doc) and "Outage 24" not in text(doc)
    assert doc.xpath("//a[@rel='prev']/@href") == ["/history?page=1"]


def test_uptime_calendar_tells_each_day_in_text(client, make_component):
    """Does the uptime page show three months per component, each day's words as a tooltip,
    and a day with downtime as a link that says what happened?"""
    api = make_component("API", now=utcnow() - timedelta(days=200))
    day = (utcnow() - timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    components.set_status(api, "major_outage", now=start)
    components.set_status(api, "operational", now=start + timedelta(minutes=30))
    doc = visit(client, "/uptime")
    section = one(doc, "//section[contains(@class, 'calendar-card')]")
    assert text(section.find(".//h2")) == "API"
    months = one(section, ".//div[@class='months']")
    assert len(months.xpath(".//table[@class='calendar']")) == 3
    said = f"{day:%b} {day.day}, {day.year}: 30 minutes of downtime"
    titles = [c.get("title") for c in months.xpath(".//td[@title]")]
    assert all(t.endswith(": No downtime") for t in titles)
    link = one(months, ".//a[@class='day-link']")
    shown = one(link, "./span")
    assert (shown.get("aria-hidden"), text(shown)) == ("true", str(day.day))
    assert link.get("title") == said
    assert link.get("href") == f"/history?day={day.isoformat()}"
    spoken = text(one(section, f"./p[{by_class('visually-hidden')}]"))
    assert spoken.startswith("Downtime on 1 day in the last")


@pytest.mark.parametrize("url", ["/", "/history", "/uptime"])
def test_pages_are_cacheable_and_free_of_inline_styles(client, make_component, url):
    """Are public pages served with an ETag (a 304 next time) and no style attributes?"""
    make_component("API")
    response = client.get(url)
    assert response.headers["ETag"]
    assert 'style="' not in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
