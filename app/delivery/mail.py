"""The mail one delivery sends: its text and HTML parts, its links and its headers.

What a notification says is worked out once per batch (`Composer` keeps it by
notification); per recipient only the signed links and the ids change. Every
header value made from page or incident text goes through `one_line`, so no
title can add a header of its own.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from markupsafe import Markup
from sqlalchemy import func, select

from app.extensions import db
from app.markup import render_markdown
from app.models import (
    Delivery,
    Incident,
    IncidentUpdate,
    Notification,
    NotificationKind,
    Subscriber,
)
from app.services import subscriber_tokens
from app.services.page import get_settings, text_colour_on
from app.services.subscriber_tokens import Purpose

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
_HEADLINES = {
    NotificationKind.INCIDENT_OPENED: "New incident",
    NotificationKind.INCIDENT_UPDATED: "Incident update",
    NotificationKind.POSTMORTEM_PUBLISHED: "Postmortem published",
    NotificationKind.MAINTENANCE_SCHEDULED: "Maintenance scheduled",
    NotificationKind.MAINTENANCE_REMINDER: "Maintenance starts soon",
    NotificationKind.MAINTENANCE_STARTED: "Maintenance started",
    NotificationKind.MAINTENANCE_UPDATED: "Maintenance update",
    NotificationKind.MAINTENANCE_COMPLETED: "Maintenance completed",
}
# The kinds that open a thread: every later mail about the incident replies to them.
_OPENERS = (NotificationKind.INCIDENT_OPENED, NotificationKind.MAINTENANCE_SCHEDULED)


def one_line(value: str, limit: int = 300) -> str:
    """`value` with every line break and control character made a space: safe in a header."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def site_host(app: Flask) -> str:
    return urlsplit(app.config["SITE_URL"]).hostname or "localhost"


def message_id(notification_id: int, subscriber_id: int, host: str) -> str:
    """The Message-ID of one notification to one subscriber: the same on every resend."""
    return f"<herald.n{notification_id}.s{subscriber_id}@{host}>"


@dataclass(frozen=True)
class Page:
    name: str
    accent_color: str
    time_zone: str


@dataclass(frozen=True)
class Story:
    """What one notification says, the same for every recipient."""

    kind: NotificationKind
    subject: str
    headline: str
    title: str
    status: str | None  # the update's status in words; None for a postmortem
    affected: list[str]
    body_text: str
    body_html: Markup
    when: str
    incident_url: str | None
    root_notification_id: int | None  # the incident's first notification: the thread's root


class Composer:
    """Builds the messages of one batch; keep one per batch (it caches per notification)."""

    def __init__(self, app: Flask):
        self.app = app
        self.host = site_host(app)
        site = urlsplit(app.config["SITE_URL"])
        self.urls = app.url_map.bind(
            site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
        )
        # A plain copy: the ledger commits after every message, which expires ORM rows.
        settings = get_settings()
        self.page = Page(settings.name, settings.accent_color, settings.time_zone)
        self.zone = _zone(self.page.time_zone)
        self.accent_text = text_colour_on(self.page.accent_color)
        self.sender = app.config.get("MAIL_FROM") or email.utils.formataddr(
            (one_line(self.page.name, 100), f"noreply@{self.host}")
        )
        self.mailto = app.config.get("MAIL_UNSUBSCRIBE_MAILTO")
        self._stories: dict[int, Story] = {}

    def url(self, endpoint: str, **values) -> str:
        return self.urls.build(endpoint, values, force_external=True)

    def message(self, delivery: Delivery, now: datetime) -> EmailMessage:
        """The whole message for `delivery` (its notification and subscriber loaded)."""
        subscriber = delivery.subscriber
        notification = delivery.notification
        links = self._links(subscriber, notification)
        story = None if notification.kind.is_direct else self.story(notification)
        context = {
            "page": self.page,
            "accent_text": self.accent_text,
            "links": links,
            "story": story,
            "kind": notification.kind,
        }
        template = _TEMPLATES.get(notification.kind, "notification")
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
        subject = story.subject if story else _direct_subject(self.page, notification.kind)
        msg = EmailMessage(policy=email.policy.SMTP)
        msg["From"] = self.sender
        msg["To"] = subscriber.address
        msg["Subject"] = one_line(subject, 250)
        msg["Date"] = email.utils.format_datetime(now)
        msg["Message-ID"] = delivery.message_id or message_id(
            notification.id, subscriber.id, self.host
        )
        if story is not None and story.root_notification_id not in (None, notification.id):
            root = message_id(story.root_notification_id, subscriber.id, self.host)
            msg["In-Reply-To"] = root
            msg["References"] = root
        msg["List-Id"] = f"{one_line(self.page.name, 100)} <status.{self.host}>"
        unsubscribe = f"<{links['unsubscribe']}>"
        if self.mailto:
            unsubscribe += f", <mailto:{one_line(self.mailto, 200)}?subject=unsubscribe>"
        msg["List-Unsubscribe"] = unsubscribe
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg

    def _links(self, subscriber: Subscriber, notification: Notification) -> dict[str, str]:
        def token(purpose: Purpose) -> str:
            return subscriber_tokens.make(purpose, subscriber.id, subscriber.token_nonce)

        links = {
            "manage": self.url("subscribe.manage", token=token(Purpose.MANAGE)),
            "unsubscribe": self.url("subscribe.unsubscribe", token=token(Purpose.UNSUBSCRIBE)),
            "page": self.url("public.index"),
        }
        if notification.kind == NotificationKind.CONFIRM:
            links["confirm"] = self.url("subscribe.confirm", token=token(Purpose.CONFIRM))
        return links

    def story(self, notification: Notification) -> Story:
        found = self._stories.get(notification.id)
        if found is None:
            found = self._stories[notification.id] = self._tell(notification)
        return found

    def _tell(self, notification: Notification) -> Story:
        incident = db.session.get(Incident, notification.incident_id)
        update = None
        if notification.update_id is not None:
            update = db.session.get(IncidentUpdate, notification.update_id)
        if update is None and incident is not None:
            update = incident.latest_update
        kind = notification.kind
        title = incident.name if incident is not None else "Status update"
        if kind == NotificationKind.POSTMORTEM_PUBLISHED and incident is not None:
            body = incident.postmortem_body or ""
        else:
            body = update.body if update is not None else ""
        postmortem = kind == NotificationKind.POSTMORTEM_PUBLISHED
        return Story(
            kind=kind,
            subject=f"[{self.page.name}] {title}",
            headline=self._headline(notification, incident, update),
            title=title,
            status=update.status.label if update is not None and not postmortem else None,
            affected=[a.component_name for a in incident.affected] if incident else [],
            body_text=body,
            body_html=render_markdown(body),
            when=self._time(update.display_at if update is not None else notification.created_at),
            incident_url=self.url("public.incident", incident_id=incident.id) if incident else None,
            root_notification_id=_root(notification) if incident is not None else None,
        )

    def _headline(self, notification, incident, update) -> str:
        kind = notification.kind
        if kind == NotificationKind.MAINTENANCE_REMINDER:
            minutes = (notification.details or {}).get("minutes")
            return f"Maintenance starts in {minutes} minutes" if minutes else _HEADLINES[kind]
        if kind == NotificationKind.MAINTENANCE_SCHEDULED and incident is not None:
            return f"Maintenance scheduled: {self._window(incident)}"
        if kind == NotificationKind.INCIDENT_UPDATED and update is not None:
            return f"{update.status.label}"
        return _HEADLINES.get(kind, "Update")

    def _window(self, incident: Incident) -> str:
        if incident.scheduled_for is None or incident.scheduled_until is None:
            return ""
        return f"{self._time(incident.scheduled_for)} to {self._time(incident.scheduled_until)}"

    def _time(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%b %-d, %Y %H:%M %Z")


_TEMPLATES = {
    NotificationKind.CONFIRM: "confirm",
    NotificationKind.ALREADY_SUBSCRIBED: "known",
}


def _direct_subject(page: Page, kind: NotificationKind) -> str:
    if kind == NotificationKind.CONFIRM:
        return f"[{page.name}] Confirm your subscription"
    return f"[{page.name}] Your subscription"


def _root(notification: Notification) -> int | None:
    """The id of the incident's first notification to all subscribers (the thread's root)."""
    if notification.kind in _OPENERS:
        return notification.id
    return db.session.scalar(
        select(func.min(Notification.id)).where(
            Notification.incident_id == notification.incident_id,
            Notification.subscriber_id.is_(None),
        )
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # a zone removed from tzdata since it was saved
        return ZoneInfo("UTC")
