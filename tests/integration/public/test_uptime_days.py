"""Uptime that explains itself: a new component's figures, an outage happening now, days
that open a popover (or, without JavaScript, the day in the history), the history of one
day, the uptime calendar's earlier months, and the maintenance-counting setting."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import utcnow
from app.services import components, incidents, maintenance
from app.services.uptime_calendar import months_back_start
from app.services.uptime_words import format_percentage
from tests.integration.public.test_pages import by_class, one, text, visit


def label(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def bars_of(doc, name: str):
    """The day bars of the component called `name` on the status page."""
    row = one(doc, f"//li[{by_class('component')}][.//span[@class='component-name'][.='{name}']]")
    return one(row, f".//ol[{by_class('bars')}]"), row


@pytest.fixture
def upgrade(make_component):
    """The API, 200 days old, with a 2-hour maintenance three days ago (run by the scheduler)."""
    api = make_component("API", now=utcnow() - timedelta(days=200))
    day = (utcnow() - timedelta(days=3)).date()
    start = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    window = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Upgrading.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
        component_ids=[api.id],
        now=start - timedelta(days=1),
    )
    maintenance.tick(now=start)
    maintenance.tick(now=start + timedelta(hours=2))
    return api, window, day


def test_a_component_added_minutes_ago_shows_a_sane_percentage(client, make_component):
    """A component created minutes ago with a short partial outage: are the earlier days
    grey "no data", and is its uptime near 100 % on both the 90 and the 30 days?"""
    now = utcnow()
    web = make_component("Web", now=now - timedelta(minutes=5))
    components.set_status(web, "partial_outage", now=now - timedelta(minutes=3))
    components.set_status(web, "operational", now=now - timedelta(minutes=2, seconds=30))
    bars, row = bars_of(visit(client, "/"), "Web")
    with_data = (now.date() - (now - timedelta(minutes=5)).date()).days + 1  # 2 just past 0:00
    assert all("bar-nodata" in bar.get("class") for bar in bars[:-with_data])
    assert all(bar.get("title").endswith(": No data") for bar in bars[:-with_data])
    assert not any("bar-nodata" in bar.get("class") for bar in bars[-with_data:])
    wide = text(one(row, f".//span[{by_class('percentage')}][{by_class('wide-only')}]"))
    narrow = text(one(row, f".//span[{by_class('percentage')}][{by_class('narrow-only')}]"))
    # 0.3 × 30 s of downtime over whole days: 99.98 %, not the 90 % of the minutes since.
    assert wide == narrow == format_percentage(100 * (1 - 0.15 / (with_data * 1440)))
    assert wide.startswith("99.9")
    assert text(one(row, f".//span[{by_class('narrow-only')}][contains(., 'days ago')]")) == (
        "30 days ago"
    )


def test_an_outage_happening_now_shows_in_todays_bar(client, make_component):
    """A major outage that began a minute ago: is today's bar red, marked as now, and does
    it say so and name the incident?"""
    api = make_component("API", now=utcnow() - timedelta(days=30))
    incidents.open_incident(
        name="Checkout down",
        impact="critical",
        message="Looking.",
        components={api.id: "major_outage"},
        now=utcnow() - timedelta(minutes=1),
    )
    bars, _ = bars_of(visit(client, "/"), "API")
    today = bars[-1]
    assert "bar-major" in today.get("class") and "bar-now" in today.get("class")
    said = one(today, f".//a[{by_class('day-link')}]").get("title")
    assert re.fullmatch(
        rf"{label(utcnow().date())}: Major outage now; \S.* of downtime so far: Checkout down",
        said,
    ), said


def test_a_maintenance_day_links_to_the_day_and_carries_its_popover_data(client, upgrade):
    """Is a maintenance day a link to that day in the history (no JavaScript needed), named
    by the day and the maintenance, with what uptime.js needs to build its popover (the
    maintenance's id and name, how the page counts maintenance) but no popover markup?"""
    api, window, day = upgrade
    doc = visit(client, "/")
    bars, _ = bars_of(doc, "API")
    link = one(bars, f".//a[{by_class('day-link')}]")
    assert link.get("href") == f"/history?day={day.isoformat()}"
    assert link.get("title") == f"{label(day)}: No downtime: Database upgrade (maintenance)"
    item = link.getparent()
    assert "bar-up" in item.get("class") and "bar-maint" in item.get("class")
    assert json.loads(link.get("data-events")) == [[window.id, "Database upgrade", 1]]
    assert not doc.xpath(f"//*[{by_class('day-popover')}]")
    script = one(doc, "//script[contains(@src, 'uptime.js')]")
    assert script.get("data-maintenance-counts-as") == "up"
    assert script.get("data-incident-url") == "/incidents/"


def test_the_history_of_one_day(client, upgrade):
    """Does /history?day= list what was under way that day, and nothing from other days?"""
    api, window, day = upgrade
    incidents.open_incident(
        name="Later outage", impact="minor", message="Hm.", components={api.id: "partial_outage"}
    )
    doc = visit(client, f"/history?day={day.isoformat()}")
    assert text(one(doc, "//h1")) == label(day)
    names = [text(a) for a in doc.xpath("//ul[contains(@class, 'history-list')]//h3/a")]
    assert names == ["Database upgrade"]
    quiet = visit(client, f"/history?day={(day - timedelta(days=1)).isoformat()}")
    assert "No incidents or maintenance that day." in text(quiet)
    today = visit(client, f"/history?day={utcnow().date().isoformat()}")
    assert "Later outage" in text(today) and "Investigating" in text(today)


@pytest.mark.parametrize(
    "query",
    [
        "day=2024-13-01",
        "day=2024-02-30",
        "day=1969-12-31",
        "day=20240510",
        "day=2024-5-1",
        "day=" + "9" * 300,
        "day=%EF%BC%92024-05-10",
        "day=2024-05-10T00:00",
    ],
)
def test_a_bad_day_is_a_400_with_a_message(client, query):
    """Is a day the history cannot read refused with a 400 that says how to write it?"""
    response = client.get(f"/history?{query}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_a_day_to_come_is_a_404_and_a_page_of_a_day_redirects(client):
    """Is a future day a 404, and is ?page= beside ?day= sent to the day's one URL?"""
    assert client.get(f"/history?day={(utcnow() + timedelta(days=2)).date()}").status_code == 404
    response = client.get("/history?day=2024-05-10&page=3")
    assert response.status_code == 302
    assert response.headers["Location"] == "/history?day=2024-05-10"
    assert client.get("/history?day=%202024-05-10%20").status_code == 200


def test_uptime_pages_back_three_months_at_a_time(client, make_component):
    """Can I go back three months at a time to the months of the first recorded status, and
    no further (later pages send me to the last one)?"""
    make_component("API", now=utcnow() - timedelta(days=200))
    first = visit(client, "/uptime")
    earlier = first.xpath("//nav[contains(@class, 'uptime-pages')]//a[@rel='next']/@href")
    assert earlier == ["/uptime?page=2"]
    assert not first.xpath("//nav[contains(@class, 'uptime-pages')]//a[@rel='prev']")
    months = [text(c) for c in first.xpath("//table[@class='calendar']/caption")]
    second = visit(client, "/uptime?page=2")
    before = [text(c) for c in second.xpath("//table[@class='calendar']/caption")]
    assert len(before) == 3 and not set(before) & set(months)
    assert second.xpath("//a[@rel='prev']/@href") == ["/uptime"]
    pages = 3 if len(second.xpath("//a[@rel='next']")) else 2
    last = client.get(f"/uptime?page={pages + 1}")
    assert last.status_code == 302 and last.headers["Location"] == f"/uptime?page={pages}"
    assert client.get("/uptime?page=99999999999999").status_code == 302
    assert client.get("/uptime?page=0").status_code == 400
    assert "No data" in text(visit(client, f"/uptime?page={pages}"))


def test_counting_maintenance_changes_the_percentage_and_the_words(client, upgrade, as_admin):
    """When an admin counts maintenance as downtime, do the 2 hours lower the uptime, and
    does the uptime page say which rule it uses?"""

    def figures():
        doc = visit(client, "/uptime")
        return text(one(doc, f"//p[{by_class('percentage')}]")), text(one(doc, "//h1/../p"))

    percentage, words = figures()
    assert percentage == "100.00% uptime" and "scheduled maintenance counts as up" in words
    response = as_admin.post("/admin/settings/uptime", {"count_maintenance": "y"})
    assert response.status_code == 302
    percentage, words = figures()
    assert "scheduled maintenance counts as downtime" in words
    today = utcnow().date()
    shown = (today - months_back_start(today, 3)).days + 1
    assert percentage == format_percentage(100 * (1 - 120 / (shown * 1440)))
    as_admin.post("/admin/settings/uptime", {})
    assert figures()[0] == "100.00% uptime"
    page = as_admin.get("/admin/settings").get_data(as_text=True)
    assert "Count scheduled maintenance as downtime" in page


def test_the_maintenance_setting_moves_with_an_export(app):
    """Does an export carry the maintenance-counting setting, and an import restore it?"""
    from app.extensions import db
    from app.portability.export import export_page
    from app.services import page
    from app.services.page_import import import_page

    page.set_maintenance_counting(True, actor="test")
    document = export_page()
    assert document["settings"]["count_maintenance_as_downtime"] is True
    page.set_maintenance_counting(False, actor="test")
    import_page(document)
    db.session.expire_all()
    assert page.get_settings().count_maintenance_as_downtime is True
