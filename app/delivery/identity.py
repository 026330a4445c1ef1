"""The names a mail goes by: its sender's domain, its List-Id and its Message-ID.

All are made from the site's host (SITE_URL, or the address `flask serve` listens on).
A host that is an IP address is no domain name: RFC 5321/5322 write it as a domain
literal (`noreply@[127.0.0.1]`, `[IPv6:::1]`), and a List-Id (RFC 2919) cannot be one.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit


@dataclass(frozen=True)
class MailIdentity:
    domain: str  # after the @ of the default sender and of every Message-ID
    list_id: str  # the dot-atom inside List-Id's angle brackets
    key: bytes = field(repr=False)  # makes this installation's Message-IDs its own

    def message_id(self, notification_id: int, created_at: datetime, subscriber_id: int) -> str:
        """The Message-ID of one notification to one subscriber.

        The same for a retry and in every worker process (it is computed from the row, never
        drawn at random), so a resend is recognised as the same mail and every later mail
        about an incident can name its first in In-Reply-To. The row ids alone are not
        enough: a fresh or restored database hands out the same ids again, and so does a
        second Herald on the same host; mail clients then drop the new mail as a duplicate
        or thread it under an old one. So a keyed hash of the notification's id and creation
        time is added: another installation (another SECRET_KEY) or another notification
        that reuses an id gets another hash. A new SECRET_KEY therefore starts new threads
        for incidents still open, as it already voids the links in mail sent before.
        """
        stamp = created_at.astimezone(UTC).isoformat()
        mac = hmac.new(self.key, f"{notification_id}\0{stamp}".encode(), hashlib.sha256)
        return f"<herald.n{notification_id}.s{subscriber_id}.{mac.hexdigest()[:16]}@{self.domain}>"


def mail_identity(config: Mapping) -> MailIdentity:
    """The identity of mail sent under `config` (the app's SITE_URL and SECRET_KEY)."""
    host = urlsplit(config["SITE_URL"]).hostname or "localhost"
    secret = config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    # Derived, so the secret itself never meets the ids that mail clients show and keep.
    key = hmac.new(secret, b"herald mail message-id", hashlib.sha256).digest()
    return MailIdentity(domain=_domain(host), list_id=_list_id(host), key=key)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _ascii(host: str) -> str:
    """An internationalised host name in its ASCII (punycode) form, as headers need."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("ascii", "replace").decode("ascii").replace("?", "-")


def _domain(host: str) -> str:
    ip = _ip(host)
    if ip is None:
        return _ascii(host)
    return f"[IPv6:{ip.compressed}]" if ip.version == 6 else f"[{ip}]"


def _list_id(host: str) -> str:
    """`herald.<host>`: a label under a name the site's owner holds, as RFC 2919 asks.

    An IP address has no such name, and a literal is not allowed in a List-Id. RFC 2919
    leaves `localhost` as the namespace of lists without a domain, so the address is
    written as one label there (`herald.127-0-0-1.localhost`): a valid list id that names
    the site, stays the same across restarts, and cannot collide with any real domain.
    """
    ip = _ip(host)
    if ip is None:
        return f"herald.{_ascii(host)}"
    return f"herald.{ip.exploded.replace('.', '-').replace(':', '-')}.localhost"
