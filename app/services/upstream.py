"""Components that follow another status page: following, and what each fetch changes.

A component follows one component of another Statuspage-compatible page (its
`/api/v2/summary.json`). The worker fetches each page at most once a minute, for
every component following it (`poll_due`); when the upstream component's status
changes, ours changes through `components.set_status`, as if a manager had set
it, with the upstream as the actor. A status a manager sets meanwhile stays until
the upstream moves again. Upstream incidents go to the review queue
(services/upstream_reports.py), never straight onto the page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from app.delivery import ssrf
from app.delivery.upstream import Fetched, FetchFailed, Summary, fetch
from app.extensions import db
from app.models import Component, UpstreamFollow, UpstreamSource, utcnow
from app.services import audit, components, upstream_reports, validate
from app.services.errors import Invalid
from app.services.page import bump_version
from app.services.tx import locked, locked_all, transactional

log = logging.getLogger("herald.upstream")

MAX_VENDOR = 100
MIN_POLL_SECONDS = 60  # the upstream's rate limit and ours: never more often
MAX_BACKOFF_SECONDS = 3600
SUMMARY_PATH = "/api/v2/summary.json"


def actor_for(vendor: str | None) -> str:
    """Who the audit log says changed a component: the upstream, by its vendor's name."""
    return f"upstream: {vendor or 'unnamed'}"


def summary_url(url: str | None) -> str:
    """The summary URL an admin meant: a page's bare address gets `/api/v2/summary.json`."""
    url = (url or "").strip()
    try:
        _, _, _, path = ssrf.check_url(
            url, allow_loopback=bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK"))
        )
    except ssrf.UnsafeURL as exc:
        raise Invalid(str(exc).replace("send updates to", "follow"), "url") from exc
    return url.rstrip("/") + SUMMARY_PATH if path == "/" else url


def read_page(url: str, etag: str | None = None) -> Fetched:
    """Fetch `url` once, for an admin choosing what to follow; Invalid on the url field."""
    try:
        return fetch(url, etag)
    except FetchFailed as exc:
        raise Invalid(f"Could not read that page: {exc}.", "url") from exc


def follow_of(component: Component) -> UpstreamFollow | None:
    return db.session.scalar(
        select(UpstreamFollow).where(UpstreamFollow.component_id == component.id)
    )


def poll_interval() -> float:
    return max(MIN_POLL_SECONDS, float(current_app.config.get("UPSTREAM_POLL_SECONDS", 60)))


@transactional
def follow(
    component: Component,
    *,
    url: str,
    upstream_component: str,
    vendor: str,
    summary: Summary,
    etag: str | None = None,
    actor,
    now: datetime | None = None,
) -> UpstreamFollow:
    """Make `component` follow `upstream_component` of the page `summary` was read from."""
    now = now or utcnow()
    url = summary_url(url)
    vendor = validate.text(vendor, "vendor", max_len=MAX_VENDOR)
    chosen = next((c for c in summary.components if c.id == upstream_component), None)
    if chosen is None:
        raise Invalid("Choose one of the components that page lists.", "upstream_component")
    component = locked(Component, component, missing=components.COMPONENT_GONE)
    source = _source_for(url, now)
    _store(source, Fetched(summary, etag), now)
    following = follow_of(component) or UpstreamFollow(component_id=component.id)
    before = following.source_id
    following.source = source
    following.upstream_component = chosen.id
    following.upstream_name = chosen.name
    following.upstream_status = None
    db.session.add(following)
    component.operated_by = vendor
    bump_version()
    details = {"url": url, "upstream": chosen.name, "vendor": vendor}
    audit.record(actor, "component.upstream", "component", component.id, **details)
    db.session.flush()
    if before is not None and before != source.id:
        _forget_if_unfollowed(before)
    _follow_statuses(source, summary)
    upstream_reports.record(source, summary, actor_for(vendor), now)
    return following


@transactional
def unfollow(component: Component, *, actor) -> None:
    """Stop following; the component keeps its status, and a page nobody follows is gone."""
    component = locked(Component, component, missing=components.COMPONENT_GONE)
    following = follow_of(component)
    if following is None:
        return
    source_id = following.source_id
    db.session.delete(following)
    component.operated_by = None
    bump_version()
    audit.record(actor, "component.upstream_stop", "component", component.id)
    db.session.flush()
    _forget_if_unfollowed(source_id)


def _forget_if_unfollowed(source_id: int) -> None:
    """A page nobody follows any more goes, with its reports (incidents stay)."""
    if not db.session.scalar(select(exists().where(UpstreamFollow.source_id == source_id))):
        db.session.delete(db.session.get(UpstreamSource, source_id))


def _source_for(url: str, now: datetime) -> UpstreamSource:
    found = db.session.scalar(select(UpstreamSource).where(UpstreamSource.url == url))
    if found is not None:
        return locked(UpstreamSource, found, missing="The page was removed meanwhile.")
    source = UpstreamSource(url=url, failures=0, next_poll_at=now)
    db.session.add(source)
    return source


def _store(source: UpstreamSource, fetched: Fetched, now: datetime) -> None:
    """A good fetch: clear the errors, wait a full interval, keep what it said."""
    source.failures = 0
    source.last_error = None
    source.last_ok_at = now
    source.next_poll_at = now + timedelta(seconds=poll_interval())
    if fetched.summary is not None:
        source.etag = fetched.etag
        source.page_name = fetched.summary.page_name or None
        source.listing = [
            {"id": c.id, "name": c.name, "status": c.status and c.status.value}
            for c in fetched.summary.components
        ]


def _follow_statuses(source: UpstreamSource, summary: Summary) -> None:
    upstream = {c.id: c for c in summary.components}
    follows = locked_all(UpstreamFollow, UpstreamFollow.source_id == source.id)
    ours = components.lock_components(f.component_id for f in follows)
    missing = []
    for following in follows:
        found = upstream.get(following.upstream_component)
        component = ours.get(following.component_id)
        if found is None:
            missing.append(following.upstream_name)
            continue
        following.upstream_name = found.name
        if component is None or found.status is None or found.status == following.upstream_status:
            continue
        following.upstream_status = found.status
        components.set_status(component, found.status, actor=actor_for(component.operated_by))
    if missing:
        source.last_error = f"The page no longer lists {', '.join(sorted(missing))}."
        source.last_error_at = utcnow()


# --- the worker's part -------------------------------------------------------------


def poll_due(now: datetime | None = None) -> int:
    """Fetch every followed page whose time has come; how many were fetched. Never raises
    for a page's failure: it is recorded on the page, and the page waits longer."""
    now = now or utcnow()
    fetched = 0
    for source_id, url, etag in _claim_due(now):
        try:
            result = fetch(url, etag)
        except FetchFailed as exc:
            _record_failure(source_id, str(exc), now)
        else:
            _record(source_id, result, now)
        fetched += 1
    return fetched


@transactional
def _claim_due(now: datetime) -> list[tuple[int, str, str | None]]:
    """The pages due, each claimed for a full interval before it is fetched: two workers,
    or a worker that dies mid-fetch, never fetch one page twice within the interval."""
    due = locked_all(
        UpstreamSource,
        UpstreamSource.next_poll_at <= now,
        exists().where(UpstreamFollow.source_id == UpstreamSource.id),
    )
    for source in due:
        source.next_poll_at = now + timedelta(seconds=poll_interval())
    return [(s.id, s.url, s.etag) for s in due]


@transactional
def _record(source_id: int, fetched: Fetched, now: datetime) -> None:
    source = db.session.get(UpstreamSource, source_id)
    if source is None:
        return  # nobody follows it any more
    source = locked(UpstreamSource, source, missing="")
    _store(source, fetched, now)
    if fetched.summary is not None:
        _follow_statuses(source, fetched.summary)
        upstream_reports.record(source, fetched.summary, actor_for(_vendor(source)), now)


def _vendor(source: UpstreamSource) -> str | None:
    ids = [f.component_id for f in source.follows]
    if not ids:
        return None
    return db.session.scalar(
        select(Component.operated_by).where(Component.id.in_(ids)).order_by(Component.id).limit(1)
    )


@transactional
def _record_failure(source_id: int, error: str, now: datetime) -> None:
    source = db.session.get(UpstreamSource, source_id)
    if source is None:
        return
    source = locked(UpstreamSource, source, missing="")
    source.failures += 1
    source.last_error = error[:1000]
    source.last_error_at = now
    # Doubling from one interval up to an hour: a page that is down is asked less often.
    wait = min(MAX_BACKOFF_SECONDS, poll_interval() * 2 ** (source.failures - 1))
    source.next_poll_at = now + timedelta(seconds=wait)
    log.warning("upstream %s failed (%d in a row): %s", source.id, source.failures, error)
