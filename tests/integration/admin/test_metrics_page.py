"""The metrics page as a manager reads it: a period, a component, the figures, the chart
and its CSV; bad choices in the address are a 400 that says why, on the page's own form."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from app.models import utcnow
from app.services import incidents

REVERSED = "period=custom&since=2025-11-30&until=2025-11-01"


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


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_refused_period_comes_back_on_the_metrics_page_with_my_choices(as_manager, outage):
    """If my custom period ends before it starts, do I get the metrics page back — my
    period, dates and component still chosen, the reason next to the end date and in the
    summary on top, no figures for some other period — rather than a bare error page?"""
    response = as_manager.get(f"/admin/metrics?{REVERSED}&component={outage.id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<h1>Metrics</h1>" in html and 'action="/admin/metrics"' in html
    assert '<option selected value="custom">Custom</option>' in html
    assert f'<option selected value="{outage.id}">API</option>' in html
    assert 'value="2025-11-30"' in _input(html, "since")
    until = _input(html, "until")
    assert 'value="2025-11-01"' in until and 'aria-invalid="true"' in until
    reason = "The period’s end is before its start."
    assert f'<p class="field-error" id="until-error">{reason}</p>' in html
    assert f'<a href="#until">{reason}</a>' in html, "the summary links to the field"
    assert "summary-heading" not in html and "Download as CSV" not in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "period=custom&since=2020-01-01&until=2022-01-01",
            "since",
            "The period can be at most 366 days long.",
        ),
        (
            "period=custom&since=garbage&until=2025-11-01",
            "since",
            "The start date “garbage” is not a date like 2026-05-01.",
        ),
        ("period=365", "period", "The period must be one of: 7, 30, 90, custom."),
        ("component=999", "component", "There is no such component."),
    ],
)
def test_each_refused_choice_is_said_next_to_its_field(as_manager, outage, query, field, message):
    """Is a too long period, a start that is no date, a made-up period or component told
    next to the field that holds it, on the metrics page?"""
    response = as_manager.get(f"/admin/metrics?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html


def test_every_bad_date_is_told_at_once(as_manager, outage):
    """With both custom dates unreadable, am I told of both in one answer, and does the page
    stay valid (a date input holds no text that is not a date)?"""
    response = as_manager.get("/admin/metrics?period=custom&since=garbage&until=2025-13-45")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#since">The start date “garbage”' in html
    assert '<a href="#until">The end date “2025-13-45”' in html
    assert 'value=""' in _input(html, "since") and 'value=""' in _input(html, "until")


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


def test_a_refused_csv_says_why(as_manager, outage):
    """Does a CSV link with a reversed period answer 400 saying what is wrong, not a file?"""
    response = as_manager.get(f"/admin/metrics.csv?{REVERSED}")
    assert response.status_code == 400 and response.mimetype != "text/csv"
    assert "The period’s end is before its start." in response.get_data(as_text=True)


def test_the_metrics_are_for_managers_and_the_matrix_for_admins(app):
    """Are the metrics pages open to managers (the default) and the matrix to admins only?"""
    from tests.integration.admin.test_guard import is_admin_only

    assert not is_admin_only(app, "admin.metrics_page")
    assert not is_admin_only(app, "admin.metrics_csv")
    assert is_admin_only(app, "admin.priority_matrix")
