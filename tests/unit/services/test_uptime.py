"""Uptime per component per day, from the recorded status periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services import backfill, components
from app.services.backfill import PastUpdate
from app.services.uptime import daily_uptime
from app.services.uptime_calendar import calendar_months
from app.services.uptime_words import describe_downtime

UTC_ZONE = ZoneInfo("UTC")
CREATED = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)


def day_of(uptime, day: date):
    return next(d for d in uptime.days if d.day == day)


def at_day(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def api(make_component):
    return make_component("API", now=CREATED)


def outage(component, status: str, start: datetime, minutes: int) -> None:
    components.set_status(component, status, now=start)
    components.set_status(component, "operational", now=start + timedelta(minutes=minutes))


def test_a_major_outage_counts_in_full(app, api):
    """Does a 60-minute major outage on one day give that day 60 minutes of downtime?"""
    outage(api, "major_outage", at_day(date(2024, 5, 10), 9), 60)
    day = day_of(daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id], date(2024, 5, 10))
    assert day.downtime_minutes == pytest.approx(60)
    assert day.uptime == pytest.approx(1 - 60 / 1440)
    assert day.level == "partial"


def test_a_partial_outage_counts_for_thirty_percent(app, api):
    """Does a 100-minute partial outage give 30 minutes of downtime (Statuspage's rule)?"""
    outage(api, "partial_outage", at_day(date(2024, 5, 10), 9), 100)
    day = day_of(daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id], date(2024, 5, 10))
    assert day.downtime_minutes == pytest.approx(30)
    assert day.level == "minor"


@pytest.mark.parametrize("status", ["degraded_performance", "under_maintenance"])
def test_degraded_and_maintenance_count_as_up(app, api, status):
    """Do degraded performance and maintenance leave a day without downtime?"""
    outage(api, status, at_day(date(2024, 5, 10), 9), 300)
    day = day_of(daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id], date(2024, 5, 10))
    assert day.downtime_minutes == 0
    assert day.uptime == 1
    assert day.level == "up"


def test_an_outage_crossing_midnight_splits_across_days(app, api):
    """Does an outage from 23:00 to 01:30 count 60 minutes on one day and 90 on the next?"""
    outage(api, "major_outage", at_day(date(2024, 5, 10), 23), 150)
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert day_of(uptime, date(2024, 5, 10)).downtime_minutes == pytest.approx(60)
    assert day_of(uptime, date(2024, 5, 11)).downtime_minutes == pytest.approx(90)


def test_days_follow_the_page_time_zone(app, api):
    """Are days cut at local midnight: 23:00–01:30 UTC is all one day in New York?"""
    outage(api, "major_outage", at_day(date(2024, 5, 10), 23), 150)
    uptime = daily_uptime([api.id], now=NOW, tz=ZoneInfo("America/New_York"))[api.id]
    assert day_of(uptime, date(2024, 5, 10)).downtime_minutes == pytest.approx(150)
    assert day_of(uptime, date(2024, 5, 11)).downtime_minutes == 0


def test_days_before_the_component_existed_have_no_data(app, make_component):
    """Are days before a component's first status period shown as no data, not as up?"""
    created = at_day(date(2024, 5, 15), 12)
    web = make_component("Web", now=created)
    uptime = daily_uptime([web.id], now=NOW, tz=UTC_ZONE)[web.id]
    assert day_of(uptime, date(2024, 5, 14)).level == "nodata"
    assert day_of(uptime, date(2024, 5, 14)).uptime is None
    assert day_of(uptime, date(2024, 5, 14)).description == "May 14, 2024: No data"
    first = day_of(uptime, date(2024, 5, 15))
    assert first.level == "up"
    assert first.observed_minutes == pytest.approx(1440)  # the first day counts whole
    assert uptime.percentage == 100


def test_an_outage_still_running_ends_now(app, api):
    """Does an open outage count up to `now`, and colour today as the outage it is?"""
    components.set_status(api, "major_outage", now=NOW - timedelta(minutes=45))
    today = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id].days[-1]
    assert today.day == NOW.date()
    assert today.downtime_minutes == pytest.approx(45)
    assert today.observed_minutes == pytest.approx(1440)
    assert today.level == "major"  # 45 minutes alone would be "partial"
    assert today.ongoing and today.has_details
    assert today.summary == "Major outage now; 45 minutes of downtime so far"


def test_an_outage_that_just_began_shows_in_todays_bar(app, api):
    """Is today's bar red a few seconds into a major outage, not green or yellow?"""
    components.set_status(api, "partial_outage", now=NOW - timedelta(seconds=20))
    today = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id].days[-1]
    assert today.level == "partial"
    assert today.description.startswith("May 20, 2024: Partial outage now; less than a minute")


def test_a_component_added_minutes_ago_reads_sanely(app, make_component):
    """A component created minutes ago with under a minute of partial outage: is its
    uptime near 100 % (not 92.76 %), with every earlier day shown as no data?"""
    web = make_component("Web", now=NOW - timedelta(minutes=4))
    outage(web, "partial_outage", NOW - timedelta(minutes=3), 1)
    uptime = daily_uptime([web.id], now=NOW, tz=UTC_ZONE)[web.id]
    assert {d.level for d in uptime.days[:-1]} == {"nodata"}
    assert all(d.uptime is None for d in uptime.days[:-1])
    today = uptime.days[-1]
    assert today.level == "minor"
    assert today.summary == "Less than a minute of downtime"
    assert uptime.percentage == pytest.approx(100 * (1 - 0.3 / 1440))
    assert uptime.percentage_label == "99.97% uptime"
    assert uptime.narrow_percentage_label == "99.97% uptime"
    assert uptime.overview.startswith("No data before May 20, 2024.")


def test_the_percentage_covers_the_ninety_days(app, api):
    """Does the percentage match the downtime over the 90 whole days drawn?"""
    outage(api, "major_outage", at_day(date(2024, 5, 10), 9), 60)
    outage(api, "partial_outage", at_day(date(2024, 5, 12), 9), 100)
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert len(uptime.days) == 90
    assert uptime.percentage == pytest.approx(100 * (1 - 90 / (90 * 1440)))
    assert uptime.percentage_label == "99.93% uptime"


def test_phones_get_the_percentage_of_the_thirty_days_they_draw(app, api):
    """Does the 30-day percentage leave out an outage 40 days ago that the 90 days count?"""
    outage(api, "major_outage", NOW - timedelta(days=40), 144)
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert uptime.percentage == pytest.approx(100 * (1 - 144 / (90 * 1440)))
    assert uptime.narrow_percentage == 100
    assert uptime.narrow_percentage_label == "100.00% uptime"


def test_periods_before_the_window_do_not_count(app, api):
    """Does an outage older than 90 days leave the window's percentage at 100 %?"""
    outage(api, "major_outage", at_day(date(2024, 1, 5), 9), 600)
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert uptime.days[0].day == date(2024, 2, 21)
    assert uptime.percentage == 100
    assert uptime.percentage_label == "100.00% uptime"


def test_a_long_outage_started_before_the_window_still_counts(app, api):
    """Does an outage that began before the window count for the days it covers?"""
    start = NOW - timedelta(days=100)
    components.set_status(api, "major_outage", now=start)
    components.set_status(api, "operational", now=NOW - timedelta(days=88, hours=12))
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert uptime.days[0].downtime_minutes == pytest.approx(1440)
    assert uptime.days[0].level == "major"
    assert uptime.days[1].downtime_minutes == 0


def test_each_day_names_the_incidents_that_caused_its_downtime(app, api):
    """Does a bar's description tell the date, the downtime and the incident behind it?"""
    day = date(2024, 5, 10)
    incident = backfill.backfill_incident(
        name="Elevated error rates",
        impact="major",
        components={api.id: "partial_outage"},
        updates=[
            PastUpdate("investigating", "Looking.", at_day(day, 9)),
            PastUpdate("resolved", "Fixed.", at_day(day, 10, 40)),
        ],
        now=NOW,
    )
    found = day_of(daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id], day)
    assert [(ref.id, ref.name) for ref in found.incidents] == [(incident.id, incident.name)]
    assert found.description == "May 10, 2024: 30 minutes of downtime: Elevated error rates"


def test_all_components_come_from_one_query(app, api, make_component):
    """Is the cost one query for the periods of all components (plus the incident names)?"""
    from sqlalchemy import event

    from app.extensions import db

    others = [make_component(f"C{n}", now=CREATED) for n in range(5)]
    for component in [api, *others]:
        outage(component, "major_outage", at_day(date(2024, 5, 10), 9), 10)
    ids = [c.id for c in [api, *others]]
    db.session.expire_all()
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = daily_uptime(ids, now=NOW, tz=UTC_ZONE)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert all(day_of(u, date(2024, 5, 10)).downtime_minutes == 10 for u in result.values())


def test_downtime_reads_as_words():
    """Is downtime spelled out for people, not as raw minutes?"""
    assert describe_downtime(0) == "No downtime"
    assert describe_downtime(0.3) == "Less than a minute of downtime"
    assert describe_downtime(1) == "1 minute of downtime"
    assert describe_downtime(125) == "2 hours 5 minutes of downtime"
    assert describe_downtime(60) == "1 hour of downtime"


def test_the_calendar_lays_days_out_by_month(app, api):
    """Does the calendar show three months, Monday first, without future days?"""
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE, days=81)[api.id]
    months = calendar_months(uptime, 3)
    assert [m.title for m in months] == ["March 2024", "April 2024", "May 2024"]
    march_first_week = months[0].weeks[0]
    assert march_first_week[:4] == [None] * 4  # March 1, 2024 was a Friday
    assert march_first_week[4].day == date(2024, 3, 1)
    may_days = [d for week in months[2].weeks for d in week if d is not None]
    assert may_days[-1].day == date(2024, 5, 20)


def test_screen_readers_hear_only_the_days_with_downtime(app, api):
    """Does the overview count the days with downtime, each then told with its words?"""
    outage(api, "major_outage", at_day(date(2024, 5, 10), 9), 60)
    outage(api, "partial_outage", at_day(date(2024, 5, 12), 9), 100)
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    assert uptime.overview == "Downtime on 2 days in the last 90 days, none on the others:"
    assert [d.description for d in uptime.downtime_days] == [
        "May 10, 2024: 1 hour of downtime",
        "May 12, 2024: 30 minutes of downtime",
    ]


def test_a_component_without_status_periods_has_no_data(app):
    """Is a component with no recorded periods shown as no data, with no percentage?"""
    uptime = daily_uptime([4242], now=NOW, tz=UTC_ZONE)[4242]
    assert {d.level for d in uptime.days} == {"nodata"}
    assert uptime.percentage is None and uptime.percentage_label == "No data"
    assert uptime.overview == "No data for the last 90 days."


@pytest.fixture
def upgraded(api):
    """A 120-minute maintenance of the API on May 10, 2024, run by the scheduler."""
    from app.services import maintenance

    start = at_day(date(2024, 5, 10), 2)
    window = maintenance.schedule_maintenance(
        name="Database upgrade",
        message="Upgrading.",
        scheduled_for=start,
        scheduled_until=start + timedelta(minutes=120),
        component_ids=[api.id],
        now=start - timedelta(days=1),
    )
    maintenance.tick(now=start)
    maintenance.tick(now=start + timedelta(minutes=120))
    return window


def test_a_maintenance_day_names_the_maintenance_but_counts_as_up(app, api, upgraded):
    """Does a day of maintenance keep 100 % by default, yet tell which maintenance ran?"""
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE)[api.id]
    day = day_of(uptime, date(2024, 5, 10))
    assert day.downtime_minutes == 0 and day.level == "up"
    assert day.has_details and day.has_maintenance
    assert [(ref.id, ref.maintenance) for ref in day.incidents] == [(upgraded.id, True)]
    assert day.description == "May 10, 2024: No downtime: Database upgrade (maintenance)"
    assert uptime.percentage == 100


def test_maintenance_can_count_as_downtime(app, api, upgraded):
    """With maintenance counted, do its 120 minutes count in full?"""
    uptime = daily_uptime([api.id], now=NOW, tz=UTC_ZONE, count_maintenance=True)[api.id]
    day = day_of(uptime, date(2024, 5, 10))
    assert day.downtime_minutes == pytest.approx(120)
    assert day.level == "partial"
    assert uptime.percentage == pytest.approx(100 * (1 - 120 / (90 * 1440)))
