"""The site's public address: the one source of every absolute URL Herald writes.

Embed snippets, the iframe's links, feeds, the maintenance calendar, the JSON API's
`url` and mails are read elsewhere, long after the request that made them: they must
name the address visitors use, not the host one request happened to arrive on. That
address is `SITE_URL` when set; otherwise `flask serve` derives it from its own
--host/--port (`derive_from_bind`), so a site started on another port links to itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

# Listening on every interface says nothing about the name visitors use.
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - compared, never bound


def site_url() -> str:
    """The public address, without a trailing slash: "https://status.example.com"."""
    return current_app.config["SITE_URL"].rstrip("/")


def site_host() -> str:
    """The public address's host name (feed and calendar ids are built under it)."""
    return urlsplit(site_url()).hostname or "localhost"


def absolute_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` under the public address, in or out of a request.

    Built from the URL map, not from the request, so a worker or CLI command writes
    the same URL a page would.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return site_url() + path


def address_for_bind(host: str, port: int) -> str:
    """The address a site served on host:port is reached at from this machine."""
    host = host.strip()
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def derive_from_bind(app: Flask, host: str, port: int) -> str | None:
    """Make host:port the public address unless SITE_URL was configured; the new address,
    or None when the configured one stays."""
    if app.config.get("SITE_URL_CONFIGURED"):
        return None
    app.config["SITE_URL"] = address_for_bind(host, port)
    return app.config["SITE_URL"]


def used_address_differs() -> str | None:
    """The address this request was made to, when it is not the public address's host
    and port (the admin warns: links and snippets it shows point elsewhere)."""
    configured = urlsplit(site_url())
    used = urlsplit(request.host_url)
    if _netloc(used) == _netloc(configured):
        return None
    return request.host_url.rstrip("/")


def _netloc(url) -> tuple[str, int | None]:
    """(host, port as written): the scheme is left out, as a TLS proxy may reach Herald
    over plain http and pass the Host header on without a port."""
    try:
        port = url.port
    except ValueError:
        port = None
    return ((url.hostname or "").lower(), port)
