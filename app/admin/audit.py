"""Admin views: the audit log — who changed what, when. Admins only."""

from __future__ import annotations

import json

from flask import abort, render_template, request, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.downloads import csv_download
from app.admin.parsers import check_page, requested_page
from app.services import audit_log

PER_PAGE = 50
_MAX_ACTOR = 254

# Where a target that still exists is managed: (endpoint, its id argument).
_TARGET_PAGES = {
    "incident": ("admin.incident", "incident_id"),
    "maintenance": ("admin.maintenance", "maintenance_id"),
    "component": ("admin.component_edit", "component_id"),
    "group": ("admin.group_edit", "group_id"),
    "user": ("admin.users", None),
    "subscriber": ("admin.subscriber", "subscriber_id"),
    "api_token": ("admin.tokens", None),
    "incident_template": ("admin.template_edit", "template_id"),
}


def _action_filter(raw: str | None) -> str | None:
    """`?action=`: one of the action groups (`incident`, `user`…), or none."""
    value = (raw or "").strip().rstrip(".")
    if not value:
        return None
    if value not in audit_log.ACTION_GROUPS:
        choices = ", ".join(audit_log.ACTION_GROUPS)
        abort(400, f"Unknown kind of action {value[:40]!r}; choose one of: {choices}.")
    return value


def _actor_filter(raw: str | None) -> str | None:
    """`?actor=`: an actor label as the log records it (emails are lower case)."""
    value = (raw or "").strip().lower()
    if len(value) > _MAX_ACTOR or any(ord(ch) < 32 for ch in value):
        abort(400, f"The actor must be an email or name of at most {_MAX_ACTOR} characters.")
    return value or None


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        return ", ".join(_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def detail_pairs(details: dict | None) -> list[tuple[str, str]]:
    """An event's details as (key, text) lines; the template escapes both.

    `changed` (settings) holds {field: [before, after]} and reads as "field: before → after".
    """
    if not isinstance(details, dict):
        return [] if details is None else [("details", _text(details))]
    pairs = []
    for key, value in details.items():
        if key == "changed" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list) and len(change) == 2:
                    pairs.append((str(name), f"{_text(change[0])} → {_text(change[1])}"))
                else:
                    pairs.append((str(name), _text(change)))
        else:
            pairs.append((str(key), _text(value)))
    return pairs


def target_url(live_targets: dict, target_type: str, target_id: str | None) -> str | None:
    """The admin page of an event's target, if it still exists and has one."""
    if target_type == "page":
        return url_for("admin.settings")
    kind = live_targets.get((target_type, target_id))
    if kind not in _TARGET_PAGES:
        return None
    endpoint, argument = _TARGET_PAGES[kind]
    return url_for(endpoint, **({argument: int(target_id)} if argument else {}))


@bp.get("/audit")
@admin_only
def audit():
    page = requested_page()
    action = _action_filter(request.args.get("action"))
    actor = _actor_filter(request.args.get("actor"))
    found = audit_log.page_of_events(
        page, PER_PAGE, action_prefix=f"{action}." if action else None, actor=actor
    )
    check_page(page, found.pages)
    return render_template(
        "admin/audit.html",
        found=found,
        action=action,
        actor=actor,
        action_groups=audit_log.ACTION_GROUPS,
        actor_suggestions=audit_log.actor_suggestions(),
        detail_pairs=detail_pairs,
        target_url=lambda event: target_url(found.live_targets, event.target_type, event.target_id),
    )


@bp.get("/audit/export.csv")
@admin_only
def audit_export():
    action = _action_filter(request.args.get("action"))
    actor = _actor_filter(request.args.get("actor"))
    # Recorded first, so the copy includes the note that it was taken.
    audit_log.record_export(action, actor, actor=current_actor())
    lines = audit_log.export_csv(action_prefix=f"{action}." if action else None, actor=actor)
    return csv_download(lines, "audit-log")
