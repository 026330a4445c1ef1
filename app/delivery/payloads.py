"""What a webhook receives: Statuspage's webhook JSON, so receivers written for it work.

Statuspage POSTs two shapes, told apart by their keys: `incident` (incidents and
scheduled maintenance, with every update, newest first) and `component_update`
(with the `component`), each beside `meta` (the unsubscribe link) and `page`
(its id and indicator). Herald adds `meta.event` (the NotificationKind value)
and `meta.update_id` (the update this message is about), and a third shape of
its own, `subscription`, for the confirmation request and the "already
subscribed" note, which go to the endpoint itself.

`Event` is what one notification says, read once from the database; `common`
is the document every recipient shares and `webhook` adds what differs per
subscriber (its links). Chat formats read the same Event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.delivery import links
from app.extensions import db
from app.models import (
    Component,
    ComponentStatus,
    Incident,
    Notification,
    NotificationKind,
    PageSettings,
    Subscriber,
)
from app.services import status as status_service
from app.services.page import get_settings
from app.services.subscriber_tokens import MAX_AGE, Purpose

INCIDENT_KINDS = frozenset(
    k
    for k in NotificationKind
    if not k.is_direct and not k.is_team and k != NotificationKind.COMPONENT_UPDATED
)


def timestamp(value: datetime | None) -> str | None:
    """Statuspage's form, `2022-12-31T01:47:59.270Z`."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class StatusChange:
    component: Component
    old_status: ComponentStatus | None
    new_status: ComponentStatus


@dataclass(frozen=True)
class Event:
    """One notification with what it is about, loaded: the same for every recipient."""

    notification: Notification
    settings: PageSettings
    indicator: status_service.PageStatus
    incident: Incident | None = None
    change: StatusChange | None = None

    @property
    def kind(self) -> NotificationKind:
        return self.notification.kind

    @property
    def update(self):
        """The update this notification is about (else the incident's latest)."""
        if self.incident is None:
            return None
        wanted = self.notification.update_id
        found = [u for u in self.incident.updates if u.id == wanted]
        return found[0] if found else self.incident.latest_update


def load(notification: Notification) -> Event:
    """Read what `notification` is about. Raises LookupError if that is gone."""
    settings = get_settings()
    indicator = status_service.current_page_status()
    incident = change = None
    if notification.kind in INCIDENT_KINDS:
        incident = db.session.get(Incident, notification.incident_id or 0)
        if incident is None:
            raise LookupError("the incident this notification is about was deleted")
    elif notification.kind.is_team:
        # A team notice says what it says (its details); its incident may be gone since.
        incident = db.session.get(Incident, notification.incident_id or 0)
    elif notification.kind == NotificationKind.COMPONENT_UPDATED:
        component = db.session.get(Component, notification.component_id or 0)
        if component is None:
            raise LookupError("the component this notification is about was deleted")
        details = notification.details or {}
        old, new = details.get("old_status"), details.get("new_status") or component.status
        change = StatusChange(
            component, ComponentStatus(old) if old else None, ComponentStatus(new)
        )
    return Event(notification, settings, indicator, incident, change)


def _page(event: Event) -> dict:
    return {
        "id": event.settings.code,
        "status_indicator": event.indicator.indicator.value,
        "status_description": event.indicator.description,
    }


def _update(update, incident_id: str) -> dict:
    changes = [
        {
            "code": c.component_code,
            "name": c.component_name,
            "old_status": c.old_status.value,
            "new_status": c.new_status.value,
        }
        for c in update.changes
    ]
    return {
        "body": update.body,
        "created_at": timestamp(update.created_at),
        "display_at": timestamp(update.display_at),
        "status": update.status.value,
        "twitter_updated_at": None,
        "updated_at": timestamp(update.updated_at),
        "wants_twitter_update": False,
        "id": str(update.id),
        "incident_id": incident_id,
        "affected_components": changes or None,
    }


def _component(component: Component, page_id: str) -> dict:
    return {
        "created_at": timestamp(component.created_at),
        "id": component.code,
        "name": component.name,
        "status": component.status.value,
        "description": component.description or None,
        "group_id": component.group.code if component.group is not None else None,
        "page_id": page_id,
        "position": component.position,
        "updated_at": timestamp(component.updated_at),
    }


def _postmortem(incident: Incident) -> dict:
    """Statuspage announces a postmortem as the newest update, of status `postmortem`."""
    incident_id = str(incident.id)
    return {
        "body": incident.postmortem_body or "",
        "created_at": timestamp(incident.postmortem_published_at),
        "display_at": timestamp(incident.postmortem_published_at),
        "status": "postmortem",
        "twitter_updated_at": None,
        "updated_at": timestamp(incident.postmortem_updated_at),
        "wants_twitter_update": False,
        "id": f"postmortem-{incident_id}",
        "incident_id": incident_id,
        "affected_components": None,
    }


def _incident(event: Event) -> dict:
    incident, page_id = event.incident, event.settings.code
    assert incident is not None
    incident_id = str(incident.id)
    published = incident.postmortem_published
    auto = incident.is_maintenance  # the worker starts and completes maintenance on time
    updates = [_update(u, incident_id) for u in incident.updates]
    status = incident.status.value
    if event.kind == NotificationKind.POSTMORTEM_PUBLISHED and published:
        updates.insert(0, _postmortem(incident))
        status = "postmortem"
    affected = [db.session.get(Component, a.component_id) for a in incident.affected]
    # Statuspage's older and newer webhook keys both (organization_id and page_id, …).
    return {
        "backfilled": False,
        "created_at": timestamp(incident.created_at),
        "impact": incident.impact.value,
        "impact_override": None,
        "metadata": {},
        "monitoring_at": timestamp(incident.monitoring_at),
        "postmortem_body": incident.postmortem_body if published else None,
        "postmortem_body_last_updated_at": timestamp(incident.postmortem_updated_at)
        if published
        else None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": published,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": timestamp(incident.postmortem_published_at),
        "reminder_intervals": None,
        "resolved_at": timestamp(incident.resolved_at),
        "scheduled_auto_completed": auto,
        "scheduled_auto_in_progress": auto,
        "scheduled_auto_transition": auto,
        "scheduled_for": timestamp(incident.scheduled_for),
        "scheduled_remind_prior": auto,
        "scheduled_reminded_at": None,
        "scheduled_until": timestamp(incident.scheduled_until),
        "shortlink": links.incident_link(incident.id),
        "started_at": timestamp(incident.started_at),
        "status": status,
        "updated_at": timestamp(incident.updated_at),
        "id": incident_id,
        "organization_id": page_id,
        "page_id": page_id,
        "incident_updates": updates,
        "components": [_component(c, page_id) for c in affected if c is not None],
        "name": incident.name,
    }


def _component_update(event: Event) -> dict:
    change, notification = event.change, event.notification
    assert change is not None
    return {
        "component_update": {
            "created_at": timestamp(notification.created_at),
            "new_status": change.new_status.value,
            "old_status": change.old_status.value if change.old_status else None,
            "id": str(notification.id),
            "component_id": change.component.code,
        },
        "component": _component(change.component, event.settings.code),
    }


def _subscription(kind: NotificationKind, subscriber: Subscriber) -> dict:
    if kind == NotificationKind.CONFIRM:
        return {
            "state": "pending",
            "confirm_url": links.subscriber_link(Purpose.CONFIRM, subscriber),
            "confirm_within_hours": MAX_AGE[Purpose.CONFIRM] // 3600,
        }
    return {"state": "confirmed", "manage_url": links.subscriber_link(Purpose.MANAGE, subscriber)}


def common(event: Event) -> dict:
    """The webhook document without the subscriber's own links: the same for every
    recipient of `event`, so a batch makes it once."""
    update = event.update
    meta = {"event": event.kind.value, "update_id": str(update.id) if update else None}
    document: dict = {"meta": meta, "page": _page(event)}
    if event.kind.is_team:
        details = event.notification.details or {}
        document["team"] = {
            "title": details.get("title", ""),
            "text": details.get("text", ""),
            "link": team_link(details),
        }
        if event.incident is not None:
            document["incident"] = _incident(event)
    elif event.incident is not None:
        document["incident"] = _incident(event)
    elif event.change is not None:
        document.update(_component_update(event))
    return document


def team_link(details: dict) -> str:
    """The admin page a team notice points to (stored as an endpoint and its values)."""
    return links.url_for_site(details.get("endpoint", "admin.dashboard"), **details.get("at", {}))


def webhook(document: dict, subscriber: Subscriber) -> dict:
    """`common(event)`'s document completed for one subscriber (its links)."""
    kind = NotificationKind(document["meta"]["event"])
    meta = {
        "unsubscribe": links.subscriber_link(Purpose.UNSUBSCRIBE, subscriber),
        "documentation": links.url_for_site("subscribe.form", kind="webhook"),
        **document["meta"],
    }
    if subscriber.team:  # the team's own endpoint: nobody to unsubscribe
        meta.pop("unsubscribe")
    completed = {**document, "meta": meta}
    if kind.is_direct:
        completed["subscription"] = _subscription(kind, subscriber)
    return completed
