"""Can any stored text make a public output fail? Rows are written with raw SQL here,
past the services, as an older version or a hand-made fix could have left them."""

from __future__ import annotations

import feedparser
from sqlalchemy import text

from app.extensions import db
from tests.integration.text.outputs import fetch_every_public_url, publish_and_check
from tests.unshowable import (
    SENDABLE,
    STORABLE_ON_POSTGRESQL,
    TERMINAL_LINE,
    every,
)

LONG = ("incident", "name", 200)
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
    _set(*LONG[:2], lambda i: f"Disk {i} {joined} full")
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


def test_no_stored_character_breaks_a_page_feed_badge_calendar_or_document(site):
    """With unshowable characters in every text column, does every public URL answer
    200 with a well-formed document, still showing the words around them?"""
    spoil_every_text_column()
    checked = fetch_every_public_url(site)
    kinds = sorted(set(checked.values()))
    assert kinds == ["application/javascript", "ical", "json", "text/css", "text/html", "xml"]
    feeds = [url for url in checked if url.endswith((".atom", ".rss"))]
    badges = [url for url in checked if url.endswith(".svg")]
    assert len(feeds) == 2 + 2 * 3 and len(badges) == 1 + 3
    feed = feedparser.parse(site.test_client().get("/history.atom").get_data())
    titles = sorted(entry.title for entry in feed.entries)
    assert titles[0].startswith("Disk 0 ") and titles[0].endswith(" full")
    assert "ERROR disk full on db-1" in feed.entries[0].content[0].value


def test_publish_writes_the_whole_mirror_whatever_the_rows_hold(site, tmp_path):
    """With unshowable characters in every text column, does `flask publish` still write
    the mirror (the outage fallback), every feed, badge and document in it well-formed?"""
    spoil_every_text_column()
    written = publish_and_check(site, tmp_path / "mirror")
    assert written >= 2 + 2 * 3 + 1 + 3 + 1 + 9
