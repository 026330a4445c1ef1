"""The metrics page as a manager reads it: a period, a component, the figures, the chart
and its CSV; bad choices in the address are a 400 that says why."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.models import utcnow
from app.services import incidents


@pytest.fixture
def outage(app, make_component):
    """API, added 20 days ago, down for 90 minutes two days ago (P2)."""
    api = make_component("API", now=utcnow() - timedelta(days=20))
    make_component("Web", now=utcnow() - timedelta(days=20))
    start = utcnow() - timedelta(days=2)
    opened = incidents.open_incident(
        name="API down",
        impact="critical",
        message="Looking into it.",
        components={api.id: "major_outage"},
        now=start,
        actor="test",
        internal_impact="significant",
        urgency="critical",
    )
    incidents.post_update(
        opened,
        status="resolved",
        message="Fixed.",
        restore_components=True,
        now=start + timedelta(minutes=90),
        actor="test",
    )
    return api


def test_a_manager_reads_the_last_30_days(as_manager, outage):
    """Does the page show one interruption restored in 1 h 30 min, its P2, and a chart with a
    title, a description and a table of its figures?"""
    response = as_manager.get("/admin/metrics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<dd>1</dd>" in page
    assert "<dd>1 h 30 min</dd>" in page
    assert '<th scope="row">P2</th><td>1</td>' in page
    assert '<svg viewBox="0 0 720 220" role="img" aria-labelledby="trend-title trend-desc">' in page
    assert "The chart’s figures as a table" in page
    assert "How these are computed" in page


def test_one_component_and_a_custom_period(as_manager, outage):
    """Can I narrow the page to the Web component, or to days without the outage?"""
    web = as_manager.get(f"/admin/metrics?component={outage.id + 1}").get_data(as_text=True)
    assert "<dd>0</dd>" in web and "100.000 %" in web
    today = utcnow().date()
    quiet = (today - timedelta(days=1)).isoformat()
    page = as_manager.get(f"/admin/metrics?period=custom&since={quiet}&until={today}")
    assert page.status_code == 200
    assert "<dd>0</dd>" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=365", "The period must be one of: 7, 30, 90, custom."),
        ("period=custom&since=yesterday&until=2026-01-01", "is not a date like 2026-05-01"),
        ("period=custom&since=2026-05-02&until=2026-05-01", "end is before its start"),
        ("period=custom&since=2020-01-01&until=2022-01-01", "at most 366 days"),
        ("period=custom&since=2020-01-01&until=9999-01-01", "cannot end after today"),
        ("component=999", "There is no such component."),
        ("component=x", "Component must be chosen from the list."),
    ],
)
def test_bad_choices_are_a_400_that_says_why(as_manager, outage, query, message):
    """Does a made-up period, date or component answer 400 with what is wrong?"""
    response = as_manager.get(f"/admin/metrics?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_csv_holds_the_same_figures(as_manager, outage):
    """Does the download hold the period, the MTRS in minutes and the counts by priority?"""
    response = as_manager.get("/admin/metrics.csv?period=7")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["section", "figure", "value"]
    figures = {(section, figure): value for section, figure, value in rows[1:]}
    assert figures[("period", "component")] == "All components"
    assert figures[("summary", "interruptions")] == "1"
    assert figures[("summary", "MTRS minutes")] == "90.0"
    assert figures[("priority", "P2")] == "1"
    assert len([r for r in rows if r[0] == "trend interruptions"]) == 7
    assert as_manager.get("/admin/metrics.csv?period=custom").status_code == 400


def test_the_metrics_are_for_managers_and_the_matrix_for_admins(app):
    """Are the metrics pages open to managers (the default) and the matrix to admins only?"""
    from tests.integration.admin.test_guard import is_admin_only

    assert not is_admin_only(app, "admin.metrics_page")
    assert not is_admin_only(app, "admin.metrics_csv")
    assert is_admin_only(app, "admin.priority_matrix")
