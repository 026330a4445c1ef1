"""The incident manager's numbers on known data, worked out by hand (on SQLite and
PostgreSQL): interruptions, MTRS, MTBSI, availability and the trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services import components, incidents, metrics, uptime
from app.services.errors import Invalid

UTC_ZONE = ZoneInfo("UTC")
CREATED = datetime(2024, 4, 1, tzinfo=UTC)
NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
DAY_MINUTES = 1440


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


def _incident(name, impact, component, status, start, minutes=None, **classification):
    opened = incidents.open_incident(
        name=name,
        impact=impact,
        message="Looking into it.",
        components={component.id: status} if component else None,
        now=start,
        actor="test",
        **classification,
    )
    if minutes is not None:
        incidents.post_update(
            opened,
            status="resolved",
            message="Fixed.",
            restore_components=True,
            now=start + timedelta(minutes=minutes),
            actor="test",
        )
    return opened


@pytest.fixture
def history(app, make_component):
    """Two components, May 4–10 2024 (now: May 10, 12:00 UTC):

    - May 3 08:00, API, minor, 20 min: before the period
    - May 5 10:00, API major outage, impact major, 60 min, extensive × critical (P1)
    - May 6 09:00, API partial outage, impact minor, 30 min, moderate × low (P5)
    - May 6 09:10, Web major outage, impact critical, 60 min (overlaps the one before)
    - May 7 12:00, a notice with impact none: no interruption
    - May 8 10:00–12:00, API under maintenance (no incident)
    - May 10 08:00, Web major outage, impact major, still open
    """
    api = make_component("API", now=CREATED)
    web = make_component("Web", now=CREATED)
    _incident("Before", "minor", api, "major_outage", at(3, 8), 20)
    _incident(
        "P1", "major", api, "major_outage", at(5, 10), 60,
        internal_impact="extensive", urgency="critical",
    )  # fmt: skip
    _incident(
        "P5", "minor", api, "partial_outage", at(6, 9), 30,
        internal_impact="moderate", urgency="low",
    )  # fmt: skip
    _incident("Web down", "critical", web, "major_outage", at(6, 9, 10), 60)
    _incident("Notice", "none", None, None, at(7, 12), 5)
    components.set_status(api, "under_maintenance", now=at(8, 10))
    components.set_status(api, "operational", now=at(8, 12))
    _incident("Web again", "major", web, "major_outage", at(10, 8))
    return api, web


def _compute(history, component=None, count_maintenance=False):
    span = metrics.period(date(2024, 5, 4), date(2024, 5, 10), now=NOW, tz=UTC_ZONE)
    return metrics.compute(
        span,
        [c.id for c in history],
        component_id=component.id if component else None,
        now=NOW,
        tz=UTC_ZONE,
        count_maintenance=count_maintenance,
    )


def test_overall_numbers_over_every_component(history):
    """Over all components: four interruptions, MTRS (60+30+60)/3 = 50 min, and MTBSI the
    mean of May 5 11:00 → May 6 09:00 (1,320 min) and May 6 10:10 → May 10 08:00
    (5,630 min); the overlapping Web outage of May 6 makes no gap."""
    found = _compute(history)
    assert (found.interruptions, found.resolved) == (4, 3)
    assert found.mtrs_seconds == pytest.approx(50 * 60)
    assert found.gaps == 2
    assert found.mtbsi_seconds == pytest.approx((1320 + 5630) / 2 * 60)


def test_availability_follows_the_uptime_rules(history):
    """Availability pools 2 components × 7 whole days (20,160 min): API down 60 + 0.3 × 30,
    Web 60 + 240 (May 10, 08:00 to now) = 369 min; maintenance counts only when the
    setting says so (+120 min)."""
    observed = 2 * 7 * DAY_MINUTES
    assert _compute(history).availability == pytest.approx(100 * (1 - 369 / observed))
    counting = _compute(history, count_maintenance=True).availability
    assert counting == pytest.approx(100 * (1 - 489 / observed))


def test_availability_is_the_status_pages_uptime(history):
    """Is the pooled figure exactly the uptime service's percentage over the same days, as
    the status page computes it, for each component and for both together?"""
    for ids in ([history[0].id], [history[1].id], [c.id for c in history]):
        days = uptime.daily_uptime(ids, now=NOW, tz=UTC_ZONE, days=7)
        drawn = uptime.percentage([d for each in days.values() for d in each.days])
        pooled = uptime.pooled_percentage(ids, now=NOW, tz=UTC_ZONE, days=7)
        assert pooled == pytest.approx(drawn)


def test_one_components_numbers(history):
    """For API alone: two interruptions, MTRS 45 min, one gap of 1,320 min, 69 min down;
    for Web: MTRS 60 min over the resolved one, one gap of 5,630 min."""
    api, web = history
    found = _compute(history, api)
    assert (found.interruptions, found.mtrs_seconds) == (2, pytest.approx(45 * 60))
    assert found.mtbsi_seconds == pytest.approx(1320 * 60)
    assert found.availability == pytest.approx(100 * (1 - 69 / (7 * DAY_MINUTES)))
    found = _compute(history, web)
    assert (found.interruptions, found.resolved) == (2, 1)
    assert found.mtrs_seconds == pytest.approx(60 * 60)
    assert (found.gaps, found.mtbsi_seconds) == (1, pytest.approx(5630 * 60))


def test_counts_by_priority_and_internal_impact(history):
    """Are the P1, the P5 and the two unclassified interruptions counted where they belong?"""
    found = _compute(history)
    assert {c.label: c.count for c in found.by_priority} == {
        "P1": 1, "P2": 0, "P3": 0, "P4": 0, "P5": 1, "Not set": 2,
    }  # fmt: skip
    assert {c.label: c.count for c in found.by_impact} == {
        "Extensive": 1, "Significant": 0, "Moderate": 1, "Minor": 0, "Not set": 2,
    }  # fmt: skip


def test_the_trend_has_a_bar_per_day(history):
    """Does the trend count May 5's one, May 6's two and May 10's one, and nothing else?"""
    found = _compute(history)
    assert [(p.first.day, p.count) for p in found.trend] == [
        (4, 0), (5, 1), (6, 2), (7, 0), (8, 0), (9, 0), (10, 1),
    ]  # fmt: skip
    assert found.trend[2].restore_seconds == pytest.approx(45 * 60)
    assert not found.per_week


def test_a_long_period_has_a_bar_per_week(app):
    """Is a 90-day trend drawn as 13 weekly bars, the last one short?"""
    span = metrics.last_days(90, now=NOW, tz=UTC_ZONE)
    found = metrics.compute(span, [], now=NOW, tz=UTC_ZONE)
    assert found.per_week and len(found.trend) == 13
    assert (found.interruptions, found.mtrs_seconds, found.availability) == (0, None, None)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2024, 5, 9), date(2024, 5, 8), "end is before its start"),
        (date(2024, 5, 9), date(2024, 5, 11), "cannot end after today"),
        (date(2023, 1, 1), date(2024, 5, 1), "at most 366 days"),
    ],
)
def test_a_bad_period_is_refused(first, last, message):
    """Is a reversed, future or too long period refused with a message saying why?"""
    with pytest.raises(Invalid, match=message):
        metrics.period(first, last, now=NOW, tz=UTC_ZONE)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("count_maintenance", [False, True])
def test_pooled_availability_matches_the_days_drawn_at_the_edges(
    app, make_component, zone, count_maintenance
):
    """Summed in the database rather than day by day, is the pooled figure still the
    status page's for an outage running across the window's start, one still open, a
    status that lasted no time, maintenance, and a component whose history begins
    mid-window (its first day counting whole)?"""
    tz = ZoneInfo(zone)
    api = make_component("API", now=CREATED)
    late = make_component("Late", now=at(8, 15, 30))
    components.set_status(api, "partial_outage", now=datetime(2024, 4, 20, 22, tzinfo=UTC))
    components.set_status(api, "operational", now=at(4, 3))
    components.set_status(api, "major_outage", now=at(6, 7))
    components.set_status(api, "operational", now=at(6, 7))
    components.set_status(api, "under_maintenance", now=at(7, 1))
    components.set_status(api, "operational", now=at(7, 4))
    components.set_status(late, "major_outage", now=at(9, 23, 45))
    for days in (1, 7, 30):
        for ids in ([api.id], [late.id], [api.id, late.id]):
            drawn = uptime.daily_uptime(
                ids, now=NOW, tz=tz, days=days, count_maintenance=count_maintenance
            )
            expected = uptime.percentage([d for each in drawn.values() for d in each.days])
            pooled = uptime.pooled_percentage(
                ids, now=NOW, tz=tz, days=days, count_maintenance=count_maintenance
            )
            assert pooled == pytest.approx(expected)


def test_weekly_bars_add_up_their_days(history):
    """Over 90 days drawn by the week, does each week hold its days' interruptions and
    restore times, and do the totals match the daily view's?"""
    span = metrics.last_days(90, now=NOW, tz=UTC_ZONE)
    found = metrics.compute(span, [c.id for c in history], now=NOW, tz=UTC_ZONE)
    counted = {p.first: (p.count, p.restore_seconds) for p in found.trend if p.count}
    # Weeks run from Feb 11: May 3's falls in the week of Apr 28, the rest in May 5's.
    assert counted == {
        date(2024, 4, 28): (1, pytest.approx(20 * 60)),
        date(2024, 5, 5): (4, pytest.approx(50 * 60)),
    }
    assert (found.interruptions, found.resolved) == (5, 4)
    assert found.mtrs_seconds == pytest.approx((20 + 60 + 30 + 60) / 4 * 60)
