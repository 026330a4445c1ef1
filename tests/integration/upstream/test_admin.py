"""The admin side of upstream pages: following one from a component's page, and the
review queue where upstream incidents wait to be opened or dismissed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEvent,
    Component,
    ComponentStatus,
    Incident,
    ReportState,
    UpstreamReport,
    utcnow,
)
from app.services import upstream


def _reports() -> list[UpstreamReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(UpstreamReport).order_by(UpstreamReport.id)))


def test_an_admin_follows_a_page_by_reading_it_then_choosing(
    app, as_manager, upstream_page, make_component
):
    """When I give Codespaces GitHub's page address, am I offered its components to choose
    from, and once chosen does the public page say it is operated by GitHub?"""
    component = make_component("Codespaces")
    url = f"/admin/components/{component.id}/upstream"
    assert as_manager.get(url).status_code == 200
    bare = upstream_page.url.removesuffix("/api/v2/summary.json")
    read = as_manager.post(url, {"url": bare, "vendor": "GitHub"})
    assert read.status_code == 200
    html = read.get_data(as_text=True)
    assert "Follows the component" in html and "Actions" in html
    assert upstream_page.url in html  # the summary address it worked out
    chosen = as_manager.post(
        url, {"url": upstream_page.url, "vendor": "GitHub", "upstream_component": "h2ftsgbw7kmk"}
    )
    assert chosen.status_code == 302
    assert "Operated by GitHub" in as_manager.get("/").get_data(as_text=True)
    page = as_manager.get(url).get_data(as_text=True)
    assert "Now following" in page and "Codespaces" in page
    follow = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "component.upstream"))
    assert follow.actor_label == "manager@example.com"


def test_a_page_that_cannot_be_read_is_refused_with_a_reason(app, as_manager, make_component):
    """When the address is no status page (unreachable, not https), do I get a 400 saying
    why, and nothing saved?"""
    component = make_component("Codespaces")
    url = f"/admin/components/{component.id}/upstream"
    plain = as_manager.post(url, {"url": "http://status.example.com", "vendor": "X"})
    assert plain.status_code == 400
    assert "must start with https://" in plain.get_data(as_text=True)
    private = as_manager.post(url, {"url": "https://127.0.0.1/api/v2/summary.json", "vendor": "X"})
    assert private.status_code == 400
    assert "private or local address" in private.get_data(as_text=True)
    empty = as_manager.post(url, {"url": "", "vendor": ""})
    assert empty.status_code == 400
    assert db.session.get(Component, component.id).operated_by is None


def test_a_choice_the_page_does_not_list_is_offered_again(
    app, as_manager, upstream_page, make_component
):
    """When the component I send is not on the page (any more), am I asked to choose?"""
    component = make_component("Codespaces")
    answer = as_manager.post(
        f"/admin/components/{component.id}/upstream",
        {"url": upstream_page.url, "vendor": "GitHub", "upstream_component": "nope"},
    )
    assert answer.status_code == 200
    assert "Choose one" in answer.get_data(as_text=True)
    assert upstream.follow_of(component) is None


def test_a_new_upstream_incident_waits_for_review_and_opens_filled_in(
    app, as_manager, upstream_page, follow, make_component
):
    """When GitHub reports an incident on Codespaces, is it in the review queue (not on the
    public page), and does "Open as incident" give me the form filled in, then link them?"""
    component = make_component("Codespaces")
    follow(component)
    [report] = _reports()
    assert report.state == ReportState.NEW
    assert "Incident with Codespaces" not in as_manager.get("/").get_data(as_text=True)
    queue = as_manager.get("/admin/upstream-reports").get_data(as_text=True)
    assert "Incident with Codespaces" in queue and "https://stspg.io/tr4w0fv50h11" in queue
    assert '<time datetime="2022-12-31T00:07:02' in queue  # the upstream's time, shown
    assert "1 waiting" in as_manager.get("/admin/incidents").get_data(as_text=True)
    assert "Incident with Codespaces" in as_manager.get("/admin/").get_data(as_text=True)
    form = as_manager.get(f"/admin/incidents/new?report={report.id}").get_data(as_text=True)
    assert 'value="Incident with Codespaces"' in form
    assert "We are investigating reports of degraded performance" in form
    assert f'name="component-{component.id}"' in form
    opened = as_manager.post(
        f"/admin/incidents/new?report={report.id}",
        {
            "title": "Codespaces degraded (GitHub)",
            "impact": "minor",
            "status": "investigating",
            "message": "GitHub is investigating.",
            f"component-{component.id}": "degraded_performance",
        },
    )
    assert opened.status_code == 302
    incident = db.session.scalar(select(Incident))
    [report] = _reports()
    assert report.state == ReportState.OPENED and report.incident_id == incident.id
    assert "Nothing waiting" in as_manager.get("/admin/upstream-reports").get_data(as_text=True)
    again = as_manager.post(
        f"/admin/incidents/new?report={report.id}",
        {"title": "Twice", "impact": "minor", "status": "investigating", "message": "x"},
    )
    assert again.status_code == 409
    assert db.session.scalar(select(Incident).where(Incident.name == "Twice")) is None


def test_upstream_updates_to_an_opened_report_are_shown_not_posted(
    app, as_manager, upstream_page, follow, make_component
):
    """When GitHub posts an update to an incident I opened here, do I see it in the queue,
    while my incident gets no update I did not write?"""
    component = make_component("Codespaces")
    follow(component)
    [report] = _reports()
    incident = upstream.upstream_reports.open_incident(
        report.id,
        name="Codespaces",
        impact="minor",
        message="Looking.",
        components={component.id: ComponentStatus.DEGRADED_PERFORMANCE},
        status="investigating",
        actor="test",
    )
    updates = len(incident.updates)
    item = upstream_page.document["incidents"][0]
    item["status"] = "identified"
    item["incident_updates"].insert(
        0, {"id": "u2", "status": "identified", "body": "A fix is rolling out.", "created_at": "x"}
    )
    upstream.poll_due(utcnow() + timedelta(minutes=1.1))
    queue = as_manager.get("/admin/upstream-reports").get_data(as_text=True)
    assert "A fix is rolling out." in queue and "New upstream updates" in queue
    db.session.expire_all()
    assert len(db.session.get(Incident, incident.id).updates) == updates
    [report] = _reports()
    assert as_manager.post(f"/admin/upstream-reports/{report.id}/dismiss").status_code == 302
    assert _reports()[0].state == ReportState.OPENED and not _reports()[0].news


def test_a_dismissed_report_never_comes_back(
    app, as_manager, upstream_page, follow, make_component
):
    """When I dismiss an upstream incident, does the next poll leave it dismissed (once per
    upstream id), and does a second, new incident still arrive?"""
    follow(make_component("Codespaces"))
    [report] = _reports()
    assert as_manager.post(f"/admin/upstream-reports/{report.id}/dismiss").status_code == 302
    second = dict(upstream_page.document["incidents"][0], id="second1", name="Actions down")
    second["components"] = []
    upstream_page.document["incidents"].append(second)
    upstream.poll_due(utcnow() + timedelta(minutes=1.1))
    reports = _reports()
    assert [r.state for r in reports] == [ReportState.DISMISSED, ReportState.NEW]
    queue = as_manager.get("/admin/upstream-reports").get_data(as_text=True)
    assert "Actions down" in queue and f'id="report-{report.id}"' not in queue
    gone = as_manager.post("/admin/upstream-reports/999/dismiss")
    assert gone.status_code == 400 and "no longer exists" in gone.get_data(as_text=True)
    assert as_manager.get("/admin/incidents/new?report=abc").status_code == 400


def test_an_incident_on_a_component_nobody_follows_is_not_queued(
    app, upstream_page, follow, make_component
):
    """When the upstream incident names only components I do not follow, is it left out?"""
    follow(make_component("Actions"), "Actions")
    assert _reports() == []


def test_the_admin_sees_the_last_error(app, as_manager, upstream_page, follow, make_component):
    """When the page starts failing, do the component's upstream page and the queue say so?"""
    component = make_component("Codespaces")
    follow(component)
    upstream_page.status = 503
    upstream.poll_due(utcnow() + timedelta(minutes=1.1))
    for url in (f"/admin/components/{component.id}/upstream", "/admin/upstream-reports"):
        assert "HTTP 503" in as_manager.get(url).get_data(as_text=True)


def test_stop_following_from_the_admin(app, as_manager, upstream_page, follow, make_component):
    """When I press "Stop following", is the vendor gone from the public page?"""
    component = make_component("Codespaces")
    follow(component)
    stop = as_manager.post(f"/admin/components/{component.id}/upstream/stop")
    assert stop.status_code == 302
    assert "Operated by" not in as_manager.get("/").get_data(as_text=True)
