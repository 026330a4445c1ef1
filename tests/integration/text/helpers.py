"""A site with text in every column, spoiled by raw SQL; fetching every public URL and
publishing the mirror, checking each output is well-formed."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import feedparser
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select, text

from app.extensions import db
from app.models import Component, Incident, utcnow
from app.services import backfill, component_groups, components, incidents, maintenance, postmortems
from app.services.page import get_settings
from app.text import find_unshowable
from tests.unshowable import SENDABLE, STORABLE_ON_POSTGRESQL, TERMINAL_LINE, every


def build_site() -> None:
    """Something in every text column: groups, components, incidents with updates, a
    revision and a postmortem, a past incident, and maintenance upcoming, in progress
    and completed."""
    now = utcnow()
    core = component_groups.create_group(name="Core", description="The core.", actor="test")
    edge = component_groups.create_group(name="Edge", description="The edge.", actor="test")
    api = components.create_component(
        name="API", description="REST.", group_id=core.id, actor="test"
    )
    web = components.create_component(name="Web", group_id=edge.id, actor="test")
    components.create_component(name="Jobs", actor="test")
    done = incidents.open_incident(
        name="Database down",
        impact="major",
        message="Looking.",
        components={api.id: "major_outage"},
        actor="test",
    )
    incidents.edit_update(done.updates[0], body="Looking into it.", actor="test")
    incidents.post_update(
        done, status="resolved", message="Fixed.", restore_components=True, actor="test"
    )
    postmortems.save_postmortem(done, body="Root cause: DNS.", publish=True, actor="test")
    incidents.open_incident(
        name="Slow pages",
        impact="minor",
        message="Slow.",
        components={web.id: "degraded_performance"},
        actor="test",
    )
    backfill.backfill_incident(
        name="Night outage",
        impact="minor",
        updates=[
            backfill.PastUpdate("investigating", "Seen.", now - timedelta(days=2, hours=1)),
            backfill.PastUpdate("resolved", "Gone.", now - timedelta(days=2)),
        ],
        components={api.id: "partial_outage"},
        actor="test",
    )
    for starts in (now - timedelta(hours=1), now + timedelta(days=1), now - timedelta(days=3)):
        maintenance.schedule_maintenance(
            name="Upgrade",
            message="Read-only.",
            scheduled_for=starts,
            scheduled_until=starts + timedelta(hours=2),
            component_ids=[api.id],
            actor="test",
            now=starts - timedelta(days=1),  # planned ahead, as a window is
        )
    maintenance.tick(now)  # one in progress, one completed, one upcoming
    db.session.expire_all()


TITLES = ("incident", "name")  # 200 characters
SHORT_NAMES = [
    ("component_group", "name"),
    ("component", "name"),
    ("component_change", "component_name"),
    ("affected_component", "component_name"),
]
BODIES = [
    ("component_group", "description"),
    ("component", "description"),
    ("incident", "postmortem_body"),
    ("incident_update", "body"),
    ("update_revision", "body"),
]


def _storable() -> list[str]:
    return SENDABLE if db.engine.dialect.name == "sqlite" else STORABLE_ON_POSTGRESQL


def _set(table: str, column: str, value_for) -> None:
    ids = db.session.scalars(text(f'SELECT id FROM "{table}" ORDER BY id')).all()  # noqa: S608
    assert ids, f"the site has no {table} row to spoil"
    for index, row_id in enumerate(ids):
        db.session.execute(
            text(f'UPDATE "{table}" SET "{column}" = :value WHERE id = :id'),  # noqa: S608
            {"value": value_for(index), "id": row_id},
        )


def spoil_every_text_column() -> list[str]:
    """Write every storable unshowable character into every text column; returns them."""
    chars = _storable()
    joined = "".join(chars)
    # 100-character columns take half the characters each, alternating by row.
    halves = [joined[: len(joined) // 2], joined[len(joined) // 2 :]]
    for table, column in SHORT_NAMES:
        _set(table, column, lambda i, t=table: f"{t[:2]}{i} {halves[i % 2]}")
    _set(*TITLES, lambda i: f"Disk {i} {joined} full")
    for table, column in BODIES:
        _set(table, column, lambda i: f"{TERMINAL_LINE}{every(chars)}\r\nend {i}\r")
    db.session.execute(
        text(
            "UPDATE page_settings SET name = :name, url = :url, logo_url = :url, "
            "support_url = :url, version = version + 1"
        ),
        {"name": f"Acme {halves[0]}", "url": f"https://acme.example/{joined}"},
    )
    db.session.commit()
    return chars


FEEDS = ("application/atom+xml", "application/rss+xml")


def _argument_values() -> dict[str, list[str]]:
    return {
        "incident_id": [str(i) for i in db.session.scalars(select(Incident.id))],
        "code": list(db.session.scalars(select(Component.code))),
        # The uploaded logo's name (none here: the text checks need no image).
        "filename": [name for name in [get_settings().logo_image] if name],
    }


def public_urls(app: Flask) -> list[str]:
    """Every GET URL of the public and api blueprints, with each argument Herald can list
    filled in from the database; built from app.url_map as `flask publish` plans it."""
    values, urls = _argument_values(), []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("public", "api") or "GET" not in rule.methods:
            continue
        names = sorted(rule.arguments)
        assert all(name in values for name in names), f"cannot fill {rule.rule}"
        for combination in itertools.product(*(values[name] for name in names)):
            urls.append(rule.build(dict(zip(names, combination, strict=True)))[1])
    return sorted(urls)


def check_document(name: str, body: bytes, mimetype: str) -> str:
    """Parse `body` as what `mimetype` says it is; returns the kind checked."""
    if mimetype.startswith("image/") and mimetype != "image/svg+xml":
        return mimetype  # the favicon, a logo: bytes, no stored text in them
    text = body.decode("utf-8")
    if mimetype in FEEDS or mimetype == "image/svg+xml":
        ET.fromstring(body)  # noqa: S314 - our own output
        if mimetype in FEEDS:
            parsed = feedparser.parse(body)
            assert not parsed.bozo, f"{name}: {parsed.get('bozo_exception')}"
        assert find_unshowable(text) is None, name
        return "xml"
    if mimetype == "text/calendar":
        Calendar.from_ical(body)
        assert find_unshowable(text) is None, name
        return "ical"
    if mimetype == "application/json":
        json.loads(body)
        return "json"
    return mimetype


def fetch_every_public_url(app: Flask) -> dict[str, str]:
    """GET every public URL: each answers 200 and parses; returns {url: kind checked}."""
    client, checked = app.test_client(), {}
    for url in public_urls(app):
        response = client.get(url)
        body = response.get_data()
        response.close()
        assert response.status_code == 200, f"{url}: {response.status_code} {body[:300]!r}"
        checked[url] = check_document(url, body, response.mimetype)
    return checked


_MIMETYPES = {
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".svg": "image/svg+xml",
    ".ics": "text/calendar",
    ".json": "application/json",
}


def publish_and_check(app: Flask, directory: Path) -> int:
    """Run `flask publish DIRECTORY`: exit code 0, and every file written parses."""
    result = app.test_cli_runner().invoke(args=["publish", str(directory)])
    assert result.exit_code == 0, result.output
    files = 0
    for path in directory.rglob("*"):
        if path.suffix in _MIMETYPES and "static" not in path.parts:
            check_document(str(path), path.read_bytes(), _MIMETYPES[path.suffix])
            files += 1
    return files
