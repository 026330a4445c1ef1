"""Fetching another status page's `/api/v2/summary.json`: once, briefly, and checked.

The URL is an admin's, but the page it names is a stranger's: it goes through the
webhooks' SSRF rule (ssrf.resolve: public https hosts, at the checked address),
the same deadline, and a size cap. `If-None-Match` carries the last ETag, so an
unchanged page answers 304 and costs nothing. Anything but a 200 with a readable
Statuspage summary, or a 304, is `FetchFailed` with a message for the admin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app

from app.delivery import outbound, ssrf
from app.models import ComponentStatus
from app.text import clean_block

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 2 * 1024 * 1024  # a large vendor's summary is a few hundred kilobytes
MAX_UPDATES = 20  # kept per upstream incident, newest first
MAX_BODY = 5000


class FetchFailed(Exception):
    """The page could not be fetched or read; the message says why, for the admin."""


@dataclass(frozen=True)
class UpstreamComponent:
    id: str
    name: str
    status: ComponentStatus | None  # None: a status word Statuspage does not use


@dataclass(frozen=True)
class UpstreamIncident:
    id: str
    name: str
    status: str
    impact: str
    link: str | None
    updates: list[dict] = field(default_factory=list)  # [{"status", "body", "at"}]
    component_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    page_name: str
    components: list[UpstreamComponent]
    incidents: list[UpstreamIncident]


@dataclass(frozen=True)
class Fetched:
    """A 200's summary and ETag, or `summary` None for a 304 (nothing changed)."""

    summary: Summary | None
    etag: str | None


def fetch(url: str, etag: str | None = None) -> Fetched:
    """GET `url` with `If-None-Match: etag`; the parsed summary, or None when unchanged."""
    config = current_app.config
    try:
        target = ssrf.resolve(url, allow_loopback=bool(config.get("WEBHOOK_ALLOW_LOOPBACK")))
    except ssrf.UnsafeURL as exc:
        raise FetchFailed(str(exc)) from exc
    headers = {
        "Accept": "application/json",
        "User-Agent": f"Herald-Upstream (+{config['SITE_URL']})",
    }
    if etag:
        headers["If-None-Match"] = etag
    seconds = float(config.get("UPSTREAM_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    limit = int(config.get("UPSTREAM_MAX_BYTES", MAX_BYTES))
    try:
        reply = outbound.get(
            target, headers, seconds=seconds, limit=limit, ca_file=config.get("WEBHOOK_CA_FILE")
        )
    except outbound.SendFailed as exc:
        raise FetchFailed(str(exc)) from exc
    if reply.status == 304 and etag:
        return Fetched(None, etag)
    if reply.status != 200:
        hint = " (redirects are not followed)" if 300 <= reply.status < 400 else ""
        raise FetchFailed(f"HTTP {reply.status}{hint}")
    if reply.oversized:
        raise FetchFailed(f"the answer is larger than {limit // 1024} KB")
    return Fetched(parse(reply.excerpt), (reply.etag or "")[:200] or None)


def parse(raw: bytes) -> Summary:
    """A Statuspage summary document, read defensively: FetchFailed when it is none."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FetchFailed("the answer is not valid JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("components"), list):
        raise FetchFailed("the answer is not a Statuspage summary (no components list)")
    page = document.get("page") if isinstance(document.get("page"), dict) else {}
    components = [
        _component(item) for item in document["components"] if _has_id(item) and not _group(item)
    ]
    incidents = document.get("incidents") if isinstance(document.get("incidents"), list) else []
    return Summary(
        _text(page.get("name"), 200) or "",
        components,
        [_incident(item) for item in incidents if _has_id(item)],
    )


def _has_id(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip() != ""


def _group(item: dict) -> bool:
    # A group's status is its members' worst: follow a member instead.
    return item.get("group") is True


def _text(value, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return clean_block(value).strip()[:limit]


def _line(value, limit: int) -> str:
    return " ".join(_text(value, limit * 2).split())[:limit]


def _status(value) -> ComponentStatus | None:
    try:
        return ComponentStatus(value)
    except ValueError:
        return None


def _component(item: dict) -> UpstreamComponent:
    return UpstreamComponent(
        item["id"][:64],
        _line(item.get("name"), 200) or item["id"][:64],
        _status(item.get("status")),
    )


def _incident(item: dict) -> UpstreamIncident:
    updates = item.get("incident_updates") if isinstance(item.get("incident_updates"), list) else []
    components = item.get("components") if isinstance(item.get("components"), list) else []
    link = item.get("shortlink") if isinstance(item.get("shortlink"), str) else None
    return UpstreamIncident(
        id=item["id"][:64],
        name=_line(item.get("name"), 200) or "Upstream incident",
        status=_line(item.get("status"), 32) or "investigating",
        impact=_line(item.get("impact"), 32) or "none",
        link=link if link and link.startswith(("https://", "http://")) else None,
        updates=[
            {
                "status": _line(u.get("status"), 32),
                "body": _text(u.get("body"), MAX_BODY),
                "at": _line(u.get("display_at") or u.get("created_at"), 40),
            }
            for u in updates[:MAX_UPDATES]
            if isinstance(u, dict)
        ],
        component_ids=[c["id"][:64] for c in components if _has_id(c)],
    )
