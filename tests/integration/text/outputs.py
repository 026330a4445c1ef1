"""Fetch every public URL and publish the mirror, checking each output is well-formed."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import Component, Incident
from app.text import find_unshowable

FEEDS = ("application/atom+xml", "application/rss+xml")


def _argument_values() -> dict[str, list[str]]:
    return {
        "incident_id": [str(i) for i in db.session.scalars(select(Incident.id))],
        "code": list(db.session.scalars(select(Component.code))),
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
