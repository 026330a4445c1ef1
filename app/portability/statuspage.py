"""A Statuspage page's public /api/v2 documents, turned into a Herald page export.

Reads `summary.json` or `components.json` (the page and its components),
`incidents.json` and `scheduled-maintenances.json`, from files or fetched
from a page's address. Statuspage's public API lists the 50 most recent
incidents; that is what can be moved this way.

Statuspage ids become Herald codes (both are 12 lowercase characters), so
components keep their ids in the API; incidents get Herald's numeric ids.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from app.portability import FORMAT, SCHEMA_VERSION

DOCUMENTS = ("components.json", "incidents.json", "scheduled-maintenances.json")
TIMEOUT_SECONDS = 15
MAX_BYTES = 32 * 1024 * 1024
_MAINTENANCE = {"scheduled", "in_progress", "verifying", "completed"}


class SourceError(Exception):
    """A document that cannot be read; the message says which and why."""


def fetch(base_url: str, timeout: float = TIMEOUT_SECONDS) -> list[dict]:
    """The page's documents, fetched from `base_url` (e.g. https://status.example.com)."""
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise SourceError(f"{base_url} is not an http:// or https:// address.")
    return [_get(f"{base}/api/v2/{name}", timeout) for name in DOCUMENTS]


def _get(url: str, timeout: float) -> dict:
    # fetch() let only http:// and https:// addresses through.
    request = urllib.request.Request(  # noqa: S310
        url, headers={"Accept": "application/json", "User-Agent": "Herald-import"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SourceError(f"{url} answered {exc.code} {exc.reason}.") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"Could not fetch {url}: {reason}.") from exc
    if len(body) > MAX_BYTES:
        raise SourceError(f"{url} is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    return _parse(body, url)


def _parse(body: bytes, where: str) -> dict:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise SourceError(f"{where} is not JSON ({exc}).") from exc
    if not isinstance(document, dict):
        raise SourceError(f"{where} is not a Statuspage API document (an object).")
    return document


def read_files(paths: list[Path]) -> list[dict]:
    """Documents from files, or from every .json file in a directory."""
    documents = []
    for path in paths:
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            try:
                documents.append(_parse(file.read_bytes(), str(file)))
            except OSError as exc:
                raise SourceError(f"Cannot read {file}: {exc.strerror}.") from exc
    return documents


def to_herald(documents: list[dict]) -> dict:
    """One Herald page document from Statuspage documents (in any order)."""
    page, components, incidents, maintenance = None, {}, {}, {}
    for document in documents:
        page = page or document.get("page")
        for component in document.get("components") or []:
            components.setdefault(component.get("id"), component)
        for incident in document.get("incidents") or []:
            incidents.setdefault(incident.get("id"), incident)
        if "incident" in document:  # a single incidents/<id>.json
            incidents.setdefault(document["incident"].get("id"), document["incident"])
        for item in document.get("scheduled_maintenances") or []:
            maintenance.setdefault(item.get("id"), item)
    if page is None and not (components or incidents or maintenance):
        raise SourceError("No Statuspage document found (no page, components or incidents).")
    for key in maintenance:
        incidents.pop(key, None)  # some pages list maintenance among incidents too
    for key, incident in list(incidents.items()):
        if incident.get("status") in _MAINTENANCE:
            maintenance.setdefault(key, incidents.pop(key))
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "generator": "Statuspage import",
        "settings": _settings(page) if page else None,
        "component_groups": [_group(c) for c in components.values() if c.get("group")],
        "components": [_component(c) for c in components.values() if not c.get("group")],
        "incidents": [_incident(i, "incident") for i in _by_time(incidents)],
        "maintenance": [_incident(m, "maintenance") for m in _by_time(maintenance)],
    }


def _by_time(items: dict) -> list[dict]:
    return sorted(items.values(), key=lambda item: (item.get("created_at") or "", item.get("id")))


def _settings(page: dict) -> dict:
    return {
        "code": (page.get("id") or "")[:12].lower() or None,
        "name": page.get("name") or "Status",
        "url": page.get("url"),
        "time_zone": page.get("time_zone") or "Etc/UTC",
    }


def _group(component: dict) -> dict:
    return {
        "code": component.get("id"),
        "name": component.get("name"),
        "description": component.get("description"),
        "position": component.get("position"),
        "created_at": component.get("created_at"),
        "updated_at": component.get("updated_at"),
    }


def _component(component: dict) -> dict:
    return _group(component) | {
        "group": component.get("group_id"),
        "status": component.get("status"),
        "showcase": component.get("showcase"),
        "only_show_if_degraded": component.get("only_show_if_degraded"),
        "start_date": component.get("start_date"),
    }


def _status(value, kind: str):
    # Statuspage closes an incident with a "postmortem" status; Herald calls it resolved.
    return "resolved" if kind == "incident" and value == "postmortem" else value


def _incident(item: dict, kind: str) -> dict:
    updates = sorted(
        item.get("incident_updates") or [],
        key=lambda u: (u.get("display_at") or u.get("created_at") or "", u.get("id") or ""),
    )
    postmortem = None
    if item.get("postmortem_body"):
        postmortem = {
            "body": item["postmortem_body"],
            "updated_at": item.get("postmortem_body_last_updated_at"),
            "published_at": item.get("postmortem_published_at"),
        }
    return {
        "name": item.get("name"),
        "status": _status(item.get("status"), kind),
        "impact": item.get("impact"),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "started_at": item.get("started_at") or item.get("created_at"),
        "monitoring_at": item.get("monitoring_at"),
        "resolved_at": item.get("resolved_at"),
        "scheduled_for": item.get("scheduled_for"),
        "scheduled_until": item.get("scheduled_until"),
        "postmortem": postmortem,
        "affected_components": [
            {"code": c.get("id"), "name": c.get("name")} for c in item.get("components") or []
        ],
        "updates": [_update(u, kind) for u in updates],
    }


def _update(update: dict, kind: str) -> dict:
    return {
        "status": _status(update.get("status"), kind),
        # Herald needs words in every update; Statuspage allows an empty one.
        "body": update.get("body") or "(No message.)",
        "created_at": update.get("created_at"),
        "updated_at": update.get("updated_at"),
        "display_at": update.get("display_at"),
        "deliver_notifications": update.get("deliver_notifications"),
        "component_changes": [
            {
                "code": change.get("code"),
                "name": change.get("name"),
                "old_status": change.get("old_status"),
                "new_status": change.get("new_status"),
            }
            for change in update.get("affected_components") or []
        ],
    }
