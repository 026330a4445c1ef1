"""Can any stored text make a public output fail? Rows are written with raw SQL here,
past the services, as an older version or a hand-made fix could have left them."""

from __future__ import annotations

import feedparser

from tests.integration.text.helpers import (
    fetch_every_public_url,
    publish_and_check,
    spoil_every_text_column,
)


def test_no_stored_character_breaks_a_page_feed_badge_calendar_or_document(site):
    """With unshowable characters in every text column, does every public URL answer
    200 with a well-formed document, still showing the words around them?"""
    spoil_every_text_column()
    checked = fetch_every_public_url(site)
    kinds = sorted(set(checked.values()))
    assert kinds == [
        "application/javascript",
        "ical",
        "image/x-icon",  # /favicon.ico
        "json",
        "text/css",
        "text/html",
        "xml",
    ]
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
