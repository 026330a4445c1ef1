"""What a subscriber may give as an address: a strict email, or a webhook / Slack / Discord URL.

An email address ends up in a `To:` header and a URL in an outgoing request,
so both are checked strictly here, before anything is stored: one line, one
`@`, a dotted domain; https URLs whose host resolves only to public addresses
(app/delivery/ssrf.py), and for Slack and Discord their own incoming-webhook
URLs and nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.delivery import ssrf
from app.models import SubscriberKind
from app.services import validate
from app.services.errors import Invalid

MAX_EMAIL = 254
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_SLACK_PATH = re.compile(r"^/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+$")
_DISCORD_HOSTS = {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
_DISCORD_PATH = re.compile(r"^/api/(?:v\d+/)?webhooks/\d{1,20}/[A-Za-z0-9_-]{1,100}$")
_WHAT = {
    SubscriberKind.EMAIL: "email address",
    SubscriberKind.WEBHOOK: "webhook URL",
    SubscriberKind.SLACK: "Slack webhook URL",
    SubscriberKind.DISCORD: "Discord webhook URL",
}


def parse_kind(value) -> SubscriberKind:
    try:
        return SubscriberKind(value)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in SubscriberKind)
        raise Invalid(f"The kind of subscription must be one of: {allowed}.", "kind") from exc


def _one_line(value: str, field: str) -> None:
    if "\r" in value or "\n" in value:
        raise Invalid(f"The {field} must be on one line.", "address")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise Invalid(f"The {field} cannot contain spaces or control characters.", "address")


def email(value: str | None) -> str:
    """`value` as a lower-cased address fit for a `To:` header, or Invalid saying why."""
    raw = validate.text(value, "email address", max_len=MAX_EMAIL)
    _one_line(raw, "email address")
    address = raw.lower()
    if address.count("@") != 1:
        raise Invalid("An email address has exactly one @, like name@example.com.", "address")
    local, domain = address.split("@")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise Invalid(
            "The part before the @ holds a character or dot that email addresses cannot have.",
            "address",
        )
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise Invalid(
            "The part after the @ must be a domain name with a dot, like example.com.", "address"
        )
    if not _TLD.match(labels[-1]):
        raise Invalid("The domain after the @ does not end in a known form.", "address")
    return address


def url(kind: SubscriberKind, value: str | None, *, allow_loopback: bool = False) -> str:
    """A webhook, Slack or Discord URL that Herald may send to, or Invalid saying why.

    A webhook's host is resolved now, so a person pointing at a private
    address hears it at once; the sender checks again at every delivery.
    """
    what = _WHAT[kind]
    raw = validate.text(value, what, max_len=ssrf.MAX_URL)
    _one_line(raw, what)
    try:
        if kind == SubscriberKind.WEBHOOK:
            ssrf.resolve(raw, allow_loopback=allow_loopback)
        else:
            _, host, port, path = ssrf.check_url(raw)
            _chat_url(kind, host, port, path)
    except ssrf.UnsafeURL as exc:
        raise Invalid(str(exc), "address") from exc
    return raw


def _chat_url(kind: SubscriberKind, host: str, port: int, path: str) -> None:
    # Slack and Discord send only to their own fixed public hosts: the exact shape is the check.
    path_only = path.split("?", 1)[0]
    if kind == SubscriberKind.SLACK:
        if host != "hooks.slack.com" or port != 443 or not _SLACK_PATH.match(path_only):
            raise Invalid(
                "Enter a Slack incoming-webhook URL: https://hooks.slack.com/services/….",
                "address",
            )
    elif host not in _DISCORD_HOSTS or port != 443 or not _DISCORD_PATH.match(path_only):
        raise Invalid(
            "Enter a Discord webhook URL: https://discord.com/api/webhooks/<id>/<token>.",
            "address",
        )


def address(kind: SubscriberKind, value: str | None, *, allow_loopback: bool = False) -> str:
    """The address to store for a subscriber of `kind`."""
    if kind == SubscriberKind.EMAIL:
        return email(value)
    return url(kind, value, allow_loopback=allow_loopback)


def masked(kind: SubscriberKind, value: str) -> str:
    """The address as shown on pages: an email whole, a URL without its secret path."""
    if kind == SubscriberKind.EMAIL:
        return value
    parts = urlsplit(value)
    path = parts.path or "/"
    shown = path if len(path) <= 12 else path[:12] + "…"
    return f"{parts.scheme}://{parts.netloc}{shown}"
