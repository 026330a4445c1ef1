"""Where Herald may send a webhook: public https hosts only, checked at the address used.

A webhook URL comes from a stranger (a subscriber), so sending to it must never
reach this machine or its private network (SSRF). The rule is checked twice:
when the URL is registered (a clear message to the person) and at every send,
where the host is resolved once and the connection goes to that checked
address — a DNS answer that changes in between (rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL = 2048
# Shared address space for carrier-grade NAT (RFC 6598): not "private" to ipaddress.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL may not be used for a webhook; the message says why, for the person."""


class Unresolvable(UnsafeURL):
    """The host name has no answer now: refused at registration, retried at a send (DNS
    outages pass)."""


@dataclass(frozen=True)
class Target:
    """A checked webhook destination: connect to `address`, say `host` (SNI and Host)."""

    scheme: str
    host: str
    port: int
    address: str
    path: str  # path and query, as sent in the request line
    # Every address the host resolved to, all checked, `address` first: a sender may try
    # the next when one cannot be reached (a dual-stack name on an IPv4-only network).
    addresses: tuple[str, ...] = ()


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped)
        if address in _NAT64:
            return _is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.version == 4 and address in _CGNAT:
        return False
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_loopback: bool = False) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a well-formed webhook URL, or UnsafeURL.

    https only; `allow_loopback` (tests only) also admits http://127.0.0.1.
    Does not resolve the host: `resolve` does, at registration and at each send.
    """
    url = (url or "").strip()
    if not url:
        raise UnsafeURL("Enter the URL to send updates to.")
    if len(url) > MAX_URL:
        raise UnsafeURL(f"The URL is too long (at most {MAX_URL} characters).")
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise UnsafeURL("The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("That is not a valid URL.") from exc
    host = (parts.hostname or "").rstrip(".").lower()
    loopback_ok = allow_loopback and host in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not (loopback_ok and parts.scheme == "http"):
        raise UnsafeURL("The URL must start with https:// (updates are never sent unencrypted).")
    if not host:
        raise UnsafeURL("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Put credentials in the path or query, not before the host name.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str, *, allow_loopback: bool = False) -> Target:
    """Check `url` and resolve its host to one public address to connect to.

    Refuses the URL when any address the host resolves to is not public
    (loopback, private, link-local, CGNAT, unique-local, multicast, reserved,
    IPv4-mapped forms of those), so a name cannot mix a public and a private answer.
    """
    scheme, host, port, path = check_url(url, allow_loopback=allow_loopback)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise UnsafeURL(f"The host name {host} is not a valid name.") from exc
    except socket.gaierror as exc:
        raise Unresolvable(f"The host name {host} could not be resolved.") from exc
    addresses = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        loopback_ok = allow_loopback and address.is_loopback
        if not loopback_ok and not _is_public(address):
            raise UnsafeURL(
                f"The host {host} points to a private or local address ({address}); "
                "updates are only sent to public internet addresses."
            )
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise Unresolvable(f"The host name {host} has no address.")
    return Target(scheme, host, port, addresses[0], path, tuple(addresses))
