"""The mail one delivery sends: its text and HTML parts, its links and its headers.

What a notification says is worked out once per batch (`Composer` keeps it by
notification); per recipient only the signed links and the ids change. Every
header value made from page or incident text goes through `one_line`, so no
title can add a header of its own.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from markupsafe import Markup
from sqlalchemy import select

from app.delivery.identity import mail_identity
from app.extensions import db
from app.markup import render_markdown
from app.models import (
    Delivery,
    Impact,
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


# Stand-ins for the per-recipient links while a notification's text is rendered once.
_PLACEHOLDERS = {
    "manage": "herald-link-manage",
    "unsubscribe": "herald-link-unsubscribe",
    "confirm": "herald-link-confirm",
    "page": "herald-link-page",
}


@dataclass(frozen=True)
class Mail:
    sender: str  # the envelope sender (MAIL FROM)
    message_id: str
    data: bytes  # the message as sent, CRLF line ends


def build(headers: list[tuple[str, str]], text: str, html: str, unique: str) -> bytes:
    """A multipart/alternative message (plain text first, then HTML), built directly.

    Python's email package spends milliseconds per message parsing the headers it was
    just given; here each value is made one line (no header can be injected) and
    RFC 2047-encoded only when it is not ASCII, and both parts are base64.
    """
    boundary = "=_herald_" + hashlib.sha1(unique.encode(), usedforsecurity=False).hexdigest()
    lines = [_header(name, value) for name, value in headers]
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
    ]
    out = ["\r\n".join(lines).encode("ascii"), b"\r\n"]
    for subtype, body in (("plain", text), ("html", html)):
        out.append(
            f"--{boundary}\r\nContent-Type: text/{subtype}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n".encode("ascii")
        )
        crlf = body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
        out.append(base64.encodebytes(crlf).replace(b"\n", b"\r\n"))
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)


def _header(name: str, value: str) -> str:
    value = one_line(value, 900)
    if not value.isascii():
        value = Header(value, "utf-8").encode(linesep="\r\n")
    return f"{name}: {value}"


def one_line(value: str, limit: int = 300) -> str:
    """`value` with every line break and control character made a space: safe in a header."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


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
    impact: str | None  # an incident's impact in words ("Major"); None for maintenance
    affected: list[str]
    changes: list[str]  # "Payments: Major Outage", the statuses this update set
    body_text: str
    body_html: Markup
    when: str
    incident_url: str | None
    # The incident's first notification (id, created_at): the root of the mails' thread.
    root: tuple[int, datetime] | None


def _impact(incident: Incident | None) -> str | None:
    if incident is None or incident.is_maintenance or incident.impact == Impact.NONE:
        return None
    return incident.impact.label


class Composer:
    """Builds the messages of one batch; keep one per batch (it caches per notification)."""

    def __init__(self, app: Flask):
        self.app = app
        self.identity = mail_identity(app.config)
        site = urlsplit(app.config["SITE_URL"])
        self.urls = app.url_map.bind(
            site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
        )
        # A plain copy: the ledger commits after every message, which expires ORM rows.
        settings = get_settings()
        self.page = Page(settings.name, settings.accent_color, settings.time_zone)
        self.zone = _zone(self.page.time_zone)
        self.accent_text = text_colour_on(self.page.accent_color)
        name, address = email.utils.parseaddr(app.config.get("MAIL_FROM") or "")
        if not address:
            name, address = self.page.name, f"noreply@{self.identity.domain}"
        self.envelope_sender = one_line(address, 254)
        self.sender = email.utils.formataddr((one_line(name, 100), self.envelope_sender), "utf-8")
        mailto = app.config.get("MAIL_UNSUBSCRIBE_MAILTO")
        self.mailto = one_line(mailto, 200) if mailto else None
        self._stories: dict[int, Story] = {}
        self._rendered: dict = {}
        self._tokens = {purpose: subscriber_tokens.maker(purpose) for purpose in Purpose}

    def url(self, endpoint: str, **values) -> str:
        return self.urls.build(endpoint, values, force_external=True)

    def message(self, delivery: Delivery, now: datetime) -> Mail:
        """The whole message for `delivery` (its notification and subscriber loaded)."""
        subscriber = delivery.subscriber
        notification = delivery.notification
        story = None if notification.kind.is_direct else self.story(notification)
        text, html = self._bodies(notification, story)
        links = self._links(subscriber, notification)
        for name, url in links.items():
            text = text.replace(_PLACEHOLDERS[name], url)
            html = html.replace(_PLACEHOLDERS[name], url)
        subject = story.subject if story else _direct_subject(self.page, notification.kind)
        own_id = delivery.message_id or self.identity.message_id(
            notification.id, notification.created_at, subscriber.id
        )
        headers = [
            ("From", self.sender),
            ("To", subscriber.address),
            ("Subject", subject),
            ("Date", email.utils.format_datetime(now)),
            ("Message-ID", own_id),
        ]
        if story is not None and story.root is not None and story.root[0] != notification.id:
            root = self.identity.message_id(*story.root, subscriber.id)
            headers += [("In-Reply-To", root), ("References", root)]
        unsubscribe = f"<{links['unsubscribe']}>"
        if self.mailto:
            unsubscribe += f", <mailto:{self.mailto}?subject=unsubscribe>"
        headers += [
            ("List-Id", f"{self.page.name} <{self.identity.list_id}>"),
            ("List-Unsubscribe", unsubscribe),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
        ]
        return Mail(self.envelope_sender, own_id, build(headers, text, html, own_id))

    def _bodies(self, notification: Notification, story: Story | None) -> tuple[str, str]:
        """Text and HTML of a notification, its links still placeholders: rendered once per
        notification (or per kind of direct mail), not once per recipient."""
        key = notification.kind if story is None else notification.id
        found = self._rendered.get(key)
        if found is None:
            context = {
                "page": self.page,
                "accent_text": self.accent_text,
                "links": _PLACEHOLDERS,
                "story": story,
                "kind": notification.kind,
            }
            template = _TEMPLATES.get(notification.kind, "notification")
            found = self._rendered[key] = (
                render_template(f"mail/{template}.txt", **context),
                render_template(f"mail/{template}.html", **context),
            )
        return found

    def _links(self, subscriber: Subscriber, notification: Notification) -> dict[str, str]:
        def token(purpose: Purpose) -> str:
            return self._tokens[purpose](subscriber.id, subscriber.token_nonce)

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
            headline=self._headline(notification, incident),
            title=title,
            status=update.status.label if update is not None and not postmortem else None,
            impact=_impact(incident),
            affected=[a.component_name for a in incident.affected] if incident else [],
            changes=[
                f"{c.component_name}: {c.new_status.label}"
                for c in (update.changes if update is not None and not postmortem else [])
            ],
            body_text=body,
            body_html=render_markdown(body),
            when=self._time(update.display_at if update is not None else notification.created_at),
            incident_url=self.url("public.incident", incident_id=incident.id) if incident else None,
            root=_root(notification) if incident is not None else None,
        )

    def _headline(self, notification: Notification, incident: Incident | None) -> str:
        kind = notification.kind
        if kind == NotificationKind.MAINTENANCE_REMINDER:
            minutes = (notification.details or {}).get("minutes")
            return f"Maintenance starts in {minutes} minutes" if minutes else _HEADLINES[kind]
        if kind == NotificationKind.MAINTENANCE_SCHEDULED and incident is not None:
            return f"Maintenance scheduled: {self._window(incident)}"
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


def _root(notification: Notification) -> tuple[int, datetime] | None:
    """The id and creation time of the incident's first notification to all subscribers
    (the thread's root): what its Message-ID is made of."""
    if notification.kind in _OPENERS:
        return notification.id, notification.created_at
    first = db.session.execute(
        select(Notification.id, Notification.created_at)
        .where(
            Notification.incident_id == notification.incident_id,
            Notification.subscriber_id.is_(None),
        )
        .order_by(Notification.id)
        .limit(1)
    ).first()
    return (first.id, first.created_at) if first is not None else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # a zone removed from tzdata since it was saved
        return ZoneInfo("UTC")
