"""What a Slack or Discord channel receives: one short message per event, in their formats.

`message` turns an Event into a neutral `Message` (a title, a headline, the
text, times, links), as `direct` does for a confirmation request; `slack`
renders it as Block Kit for an incoming webhook and `discord` as an embed. Both
keep under the services' size limits (longer text is cut with "…", never
refused) and both defuse what a title or an update could smuggle in: Slack's
`<!channel>`-style control sequences are escaped, and Discord is told to ping
nobody, whatever the text says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from app.delivery import links, payloads
from app.delivery.payloads import Event
from app.models import ComponentStatus, Impact, NotificationKind, Subscriber
from app.services.subscriber_tokens import MAX_AGE, Purpose
from app.text import for_output

# The status colours of static/css/status-colours.css (light scheme).
OK, MINOR, PARTIAL, MAJOR, MAINTENANCE = 0x1A7F37, 0x9A6700, 0xBC4C00, 0xCF222E, 0x0969DA
_STATUS_COLOUR = {
    ComponentStatus.OPERATIONAL: OK,
    ComponentStatus.DEGRADED_PERFORMANCE: MINOR,
    ComponentStatus.PARTIAL_OUTAGE: PARTIAL,
    ComponentStatus.MAJOR_OUTAGE: MAJOR,
    ComponentStatus.UNDER_MAINTENANCE: MAINTENANCE,
}
_IMPACT_COLOUR = {
    Impact.NONE: MINOR,
    Impact.MINOR: MINOR,
    Impact.MAJOR: PARTIAL,
    Impact.CRITICAL: MAJOR,
    Impact.MAINTENANCE: MAINTENANCE,
}
_HEADLINES = {
    NotificationKind.INCIDENT_OPENED: "New incident",
    NotificationKind.POSTMORTEM_PUBLISHED: "Postmortem published",
    NotificationKind.MAINTENANCE_SCHEDULED: "Maintenance scheduled",
    NotificationKind.MAINTENANCE_REMINDER: "Maintenance starts soon",
    NotificationKind.MAINTENANCE_STARTED: "Maintenance started",
    NotificationKind.MAINTENANCE_COMPLETED: "Maintenance completed",
}


@dataclass
class Message:
    page: str
    title: str
    headline: str
    text: str
    colour: int
    link: str
    link_label: str
    manage: str | None  # the manage page, once confirmed (None on the confirmation itself)
    times: list[tuple[str, datetime]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


def message(event: Event) -> Message:
    """What to say about an incident, maintenance or component `event` in a chat channel;
    without the manage link (`for_subscriber` adds it), so a batch makes it once."""
    page = for_output(event.settings.name, one_line=True)
    if event.kind.is_team:
        return _team_message(event, page)
    if event.change is not None:
        return _component_message(event, page)
    return _incident_message(event, page)


def for_subscriber(msg: Message, subscriber: Subscriber) -> Message:
    if subscriber.team:  # the team's channel: an admin removes it, nobody unsubscribes
        return msg
    return replace(msg, manage=links.subscriber_link(Purpose.MANAGE, subscriber))


_TEAM = {
    NotificationKind.TEAM_ALERT_INCIDENT: ("Monitoring opened an incident", MAJOR),
    NotificationKind.TEAM_UPSTREAM_REPORT: ("Upstream incident to review", PARTIAL),
    NotificationKind.TEAM_DEAD_LETTER: ("A delivery failed for good", MAJOR),
    NotificationKind.TEAM_AUTO_RESOLVED: ("Resolved after a quiet period", OK),
}


def _team_message(event: Event, page: str) -> Message:
    details = event.notification.details or {}
    headline, colour = _TEAM[event.kind]
    return Message(
        page,
        for_output(details.get("title") or headline, one_line=True),
        headline,
        for_output(details.get("text") or ""),
        colour,
        payloads.team_link(details),
        details.get("link_label") or "Open in Herald",
        None,
    )


def direct(event: Event, subscriber: Subscriber) -> Message:
    """The confirmation request, or the "already subscribed" note, for this one channel."""
    page = for_output(event.settings.name, one_line=True)
    if event.kind == NotificationKind.CONFIRM:
        hours = MAX_AGE[Purpose.CONFIRM] // 3600
        return Message(
            page,
            f"Confirm updates from {page}",
            "Someone asked for this page's status updates in this channel.",
            f"Nothing else is sent until someone here opens the link and confirms. "
            f"The link works for {hours} hours.",
            MAINTENANCE,
            links.subscriber_link(Purpose.CONFIRM, subscriber),
            "Confirm the subscription",
            None,
        )
    return Message(
        page,
        f"This channel already receives updates from {page}",
        "Someone asked to subscribe it again; nothing has changed.",
        "",
        MAINTENANCE,
        links.subscriber_link(Purpose.MANAGE, subscriber),
        "Manage the subscription",
        None,
    )


def _component_message(event: Event, page: str) -> Message:
    change = event.change
    assert change is not None
    was = f"Was {change.old_status.label}." if change.old_status else ""
    return Message(
        page,
        f"{for_output(change.component.name, one_line=True)}: {change.new_status.label}",
        "Component status changed",
        was,
        _STATUS_COLOUR[change.new_status],
        links.url_for_site("public.index"),
        "View the status page",
        None,
    )


def _incident_message(event: Event, page: str) -> Message:
    incident, update = event.incident, event.update
    assert incident is not None
    status = update.status if update is not None else incident.status
    headline = _HEADLINES.get(event.kind, "Update")
    if event.kind in (NotificationKind.INCIDENT_OPENED, NotificationKind.INCIDENT_UPDATED):
        headline = f"{headline} · {status.label}" if headline != "Update" else status.label
    text = update.body if update is not None else ""
    if event.kind == NotificationKind.POSTMORTEM_PUBLISHED:
        text = incident.postmortem_body or ""
    if status.is_closed:
        colour = OK
    elif incident.is_maintenance:
        colour = MAINTENANCE
    else:
        colour = _IMPACT_COLOUR[incident.impact]
    times = []
    if incident.is_maintenance and incident.scheduled_for and incident.scheduled_until:
        times = [("Starts", incident.scheduled_for), ("Ends", incident.scheduled_until)]
    return Message(
        page,
        for_output(incident.name, one_line=True),
        headline,
        for_output(text),
        colour,
        links.incident_link(incident.id),
        "View the maintenance" if incident.is_maintenance else "View the incident",
        None,
        times,
        [for_output(a.component_name, one_line=True) for a in incident.affected],
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Slack: Block Kit through an incoming webhook ------------------------------------


def _slack_escape(text: str) -> str:
    # Slack's only control characters; escaped, `<!channel>` or `<@U123>` is plain text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_time(value: datetime) -> str:
    # Shown in each reader's own time zone; the fallback is UTC.
    fallback = value.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(value.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def slack(msg: Message) -> dict:
    """An incoming-webhook body: a header, the text, times and components, the links."""
    lines = [f"*{_slack_escape(msg.headline)}*"]
    if msg.text:
        lines.append(_slack_escape(msg.text))
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(msg.title, 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut("\n".join(lines), 3000)}},
    ]
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{_slack_time(v)}"} for k, v in msg.times]
    if msg.components:
        affected = ", ".join(_slack_escape(c) for c in msg.components)
        fields.append({"type": "mrkdwn", "text": _cut(f"*Affected*\n{affected}", 2000)})
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    footer = [f"<{msg.link}|{_slack_escape(msg.link_label)}>", _slack_escape(msg.page)]
    if msg.manage:
        footer.append(f"<{msg.manage}|Manage or unsubscribe>")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(footer)}]})
    fallback = _slack_escape(f"{msg.title} — {msg.headline}")
    return {"text": _cut(fallback, 3000), "blocks": blocks, "unfurl_links": False}


# --- Discord: one embed through a channel webhook ------------------------------------


def discord(msg: Message) -> dict:
    """A channel-webhook body: one embed, and no mention of anyone, ever."""
    description = [f"**{msg.headline}**"]
    if msg.text:
        description.append(_cut(msg.text, 3000))
    description.append(f"[{msg.link_label}]({msg.link})")
    if msg.manage:
        description.append(f"[Manage or unsubscribe]({msg.manage})")
    fields = [
        # Discord shows <t:…:f> in each reader's own time zone.
        {"name": k, "value": f"<t:{int(v.timestamp())}:f>", "inline": True}
        for k, v in msg.times
    ]
    if msg.components:
        fields.append(
            {"name": "Affected", "value": _cut(", ".join(msg.components), 1024), "inline": False}
        )
    embed = {
        "title": _cut(msg.title, 256),
        "url": msg.link,
        "description": "\n\n".join(description),
        "color": msg.colour,
        "fields": fields,
        "footer": {"text": _cut(msg.page, 200)},
    }
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}
