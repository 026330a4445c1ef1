"""A component following another status page: does its status follow, politely, and does
a broken page only ever show up as an error for the admin?"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEvent,
    Component,
    ComponentStatus,
    Notification,
    PageSettings,
    UpstreamSource,
    utcnow,
)
from app.services import upstream


def _source() -> UpstreamSource:
    db.session.expire_all()
    return db.session.scalar(select(UpstreamSource))


def _later(minutes: float):
    return utcnow() + timedelta(minutes=minutes)


def _status(component) -> ComponentStatus:
    db.session.expire_all()
    return db.session.get(Component, component.id).status


def test_following_takes_the_upstream_status_at_once(app, upstream_page, follow, make_component):
    """When I make Codespaces follow GitHub's page where it is down, is it down here too,
    operated by GitHub, with the upstream as the actor in the audit log?"""
    upstream_page.set_status("Codespaces", "major_outage")
    component = make_component("Codespaces")
    version = db.session.get(PageSettings, 1).version
    follow(component)
    assert _status(component) == ComponentStatus.MAJOR_OUTAGE
    assert db.session.get(Component, component.id).operated_by == "GitHub"
    assert db.session.get(PageSettings, 1).version > version
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "component.status"))
    assert changed.actor_label == "upstream: GitHub"
    kinds = [n.kind.value for n in db.session.scalars(select(Notification))]
    assert kinds == ["component.updated"]  # subscribers hear of it as of any change


def test_a_change_upstream_is_followed_on_the_next_poll(app, upstream_page, follow, make_component):
    """When GitHub's Codespaces goes down after I followed it, does ours go down at the
    next poll, and come back when it recovers?"""
    component = make_component("Codespaces")
    follow(component)
    upstream_page.set_status("Codespaces", "partial_outage")
    assert upstream.poll_due(_later(1.1)) == 1
    assert _status(component) == ComponentStatus.PARTIAL_OUTAGE
    upstream_page.set_status("Codespaces", "operational")
    upstream.poll_due(_later(2.2))
    assert _status(component) == ComponentStatus.OPERATIONAL


def test_a_page_is_fetched_at_most_once_a_minute_for_all_its_followers(
    app, upstream_page, follow, make_component
):
    """With two components following one page, is it fetched once per poll, never twice
    within a minute, and with If-None-Match so an unchanged page costs a 304?"""
    follow(make_component("Codespaces"))
    follow(make_component("Actions"), "Actions")
    assert len(upstream_page.requests) == 2  # each admin choice read the page once
    assert upstream.poll_due(_later(0.5)) == 0  # within the minute: nothing
    assert upstream.poll_due(_later(1.1)) == 1
    assert upstream.poll_due(_later(1.5)) == 0
    asked = upstream_page.requests[-1]
    assert asked.get("If-None-Match") == _source().etag
    assert len(upstream_page.requests) == 3
    assert _source().last_ok_at is not None and _source().last_error is None


def test_a_manager_status_stays_until_the_upstream_moves(
    app, upstream_page, follow, make_component
):
    """When I set a followed component myself, does the next poll leave it alone while the
    upstream says the same as before?"""
    from app.services import components

    component = make_component("Codespaces")
    follow(component)
    components.set_status(component, "under_maintenance", actor="test")
    upstream.poll_due(_later(1.1))
    assert _status(component) == ComponentStatus.UNDER_MAINTENANCE


def _broken(app, upstream_page, follow, make_component, breaking) -> UpstreamSource:
    component = make_component("Codespaces")
    follow(component)
    upstream_page.set_status("Codespaces", "major_outage")
    breaking(upstream_page)
    assert upstream.poll_due(_later(1.1)) == 1  # no exception, whatever the page did
    assert _status(component) == ComponentStatus.OPERATIONAL
    return _source()


def test_a_500_is_recorded_and_the_page_waits_longer(app, upstream_page, follow, make_component):
    """When the page answers 500, is that shown as its last error, and is it asked again
    only after a longer wait each time (backoff), then cleared by a good answer?"""

    def fail(page):
        page.status = 500

    source = _broken(app, upstream_page, follow, make_component, fail)
    assert source.last_error == "HTTP 500" and source.failures == 1
    first_wait = source.next_poll_at
    assert upstream.poll_due(first_wait + timedelta(seconds=1)) == 1
    second = _source()
    assert second.failures == 2
    assert second.next_poll_at - (first_wait + timedelta(seconds=1)) >= timedelta(seconds=119)
    upstream_page.status = 200
    upstream.poll_due(second.next_poll_at + timedelta(seconds=1))
    assert _source().last_error is None and _source().failures == 0


def test_a_page_that_hangs_is_cut_off(app, upstream_page, follow, make_component):
    """When the page accepts the request and never answers, does the poll give up within
    its timeout and say so?"""

    def hang(page):
        page.hang = True

    source = _broken(app, upstream_page, follow, make_component, hang)
    assert "no answer within 1 seconds" in source.last_error


def test_bad_json_is_recorded(app, upstream_page, follow, make_component):
    """When the page sends something that is not JSON, is that the error shown?"""

    def garble(page):
        page.raw = b"<html>maintenance</html>"

    source = _broken(app, upstream_page, follow, make_component, garble)
    assert source.last_error == "the answer is not valid JSON"


def test_json_nested_past_the_recursion_limit_is_recorded(
    app, upstream_page, follow, make_component
):
    """When the page sends JSON nested thousands deep, is it an error like any bad JSON
    rather than a worker crash?"""

    def nest(page):
        page.raw = b"[" * 5000 + b"]" * 5000

    source = _broken(app, upstream_page, follow, make_component, nest)
    assert source.last_error == "the answer is not valid JSON"


def test_json_that_is_no_summary_is_recorded(app, upstream_page, follow, make_component):
    """When the page sends JSON without a components list, is that the error shown?"""

    def other(page):
        page.raw = b'{"page": {"name": "x"}, "components": "none"}'

    source = _broken(app, upstream_page, follow, make_component, other)
    assert "not a Statuspage summary" in source.last_error


def test_an_oversized_answer_is_recorded(app, upstream_page, follow, make_component):
    """When the page sends more than the size cap, is it refused as an error?"""
    app.config["UPSTREAM_MAX_BYTES"] = 4096

    def bloat(page):
        page.raw = b'{"components": [' + b" " * 10_000 + b"]}"

    try:
        source = _broken(app, upstream_page, follow, make_component, bloat)
    finally:
        app.config.pop("UPSTREAM_MAX_BYTES")
    assert source.last_error == "the answer is larger than 4 KB"


def test_a_component_gone_upstream_is_shown_as_an_error(app, upstream_page, follow, make_component):
    """When the upstream page drops the component I follow, does the admin learn of it?"""
    follow(make_component("Codespaces"))
    upstream_page.document["components"] = upstream_page.document["components"][1:]
    upstream.poll_due(_later(1.1))
    assert _source().last_error == "The page no longer lists Codespaces."


def test_stopping_the_last_follower_forgets_the_page(app, upstream_page, follow, make_component):
    """When I stop following, is the vendor gone from the component and the page no longer
    fetched?"""
    component = make_component("Codespaces")
    follow(component)
    upstream.unfollow(component, actor="test")
    assert db.session.get(Component, component.id).operated_by is None
    assert _source() is None
    assert upstream.poll_due(_later(5)) == 0


def test_the_worker_tick_reads_followed_pages(app, upstream_page, follow, make_component):
    """Does the worker's periodic tick (embedded thread and `flask worker` alike) read a
    followed page once it is due, and follow the change?"""
    from app.delivery.worker import run_once

    component = make_component("Codespaces")
    follow(component)
    upstream_page.set_status("Codespaces", "major_outage")
    source = _source()
    source.next_poll_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run_once(app)
    assert len(upstream_page.requests) == 2
    assert _status(component) == ComponentStatus.MAJOR_OUTAGE


def test_following_another_page_forgets_the_first(app, upstream_page, follow, make_component):
    """When I point a component at another page, is the first page (followed by nobody
    else now) no longer kept or fetched?"""
    from tests.upstream_server import UpstreamPage

    component = make_component("Codespaces")
    follow(component)
    other = UpstreamPage()
    try:
        read = upstream.read_page(other.url)
        upstream.follow(
            component,
            url=other.url,
            upstream_component="br0l2tvcx85d",
            vendor="Other",
            summary=read.summary,
            actor="test",
        )
        db.session.expire_all()
        assert [s.url for s in db.session.scalars(select(UpstreamSource))] == [other.url]
    finally:
        other.close()
