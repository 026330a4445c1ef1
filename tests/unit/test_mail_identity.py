"""The names a mail goes by: sender domain, List-Id and Message-ID (app/delivery/identity.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.delivery.identity import mail_identity

# RFC 2919: list-id = list-label "." list-id-namespace, both dot-atom-text.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LIST_ID = re.compile(rf"{_ATEXT}(\.{_ATEXT})+")
_OPENED = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _identity(site_url: str = "http://127.0.0.1:5077", install: str = "install-one"):
    return mail_identity({"SITE_URL": site_url, "SECRET_KEY": install})


# (site address, the domain after the @, the List-Id's address); the mail test sends the
# first three through the SMTP sink.
SITES = [
    ("http://127.0.0.1:5077", "[127.0.0.1]", "herald.127-0-0-1.localhost"),
    (
        "http://[::1]:5077",
        "[IPv6:::1]",
        "herald.0000-0000-0000-0000-0000-0000-0000-0001.localhost",
    ),
    ("https://status.example.com", "status.example.com", "herald.status.example.com"),
    ("http://localhost:5000", "localhost", "herald.localhost"),
    ("https://stätus.example", "xn--sttus-hra.example", "herald.xn--sttus-hra.example"),
]


@pytest.mark.parametrize(("site_url", "domain", "list_id"), SITES)
def test_an_ip_address_becomes_a_domain_literal_and_never_a_list_id(site_url, domain, list_id):
    """Is a site on an IP address named by a domain literal after the @ (RFC 5321/5322), and
    does every site get a List-Id that is a dot-atom with a label, as RFC 2919 asks?"""
    identity = _identity(site_url)
    assert identity.domain == domain
    assert identity.list_id == list_id and _LIST_ID.fullmatch(list_id)
    assert identity.message_id(7, _OPENED, 3).endswith(f"@{domain}>")


def test_a_message_id_is_the_same_for_a_retry_and_in_another_worker():
    """Built twice from the same settings and row (a retry, another worker process), is the
    Message-ID the same, so the resend is known as the same mail?"""
    first = _identity().message_id(7, _OPENED, 3)
    again = _identity().message_id(7, _OPENED.astimezone(UTC), 3)
    assert first == again
    assert re.fullmatch(r"<herald\.n7\.s3\.[0-9a-f]{16}@\[127\.0\.0\.1\]>", first)


def test_reused_row_ids_get_other_message_ids():
    """When another installation on the same host, or a fresh or restored database, numbers
    a notification and subscriber as an earlier one was, is its Message-ID still new?"""
    first = _identity().message_id(7, _OPENED, 3)
    other_install = _identity(install="install-two").message_id(7, _OPENED, 3)
    other_database = _identity().message_id(7, _OPENED + timedelta(days=2), 3)
    assert len({first, other_install, other_database}) == 3
    assert _identity().message_id(7, _OPENED, 4) != first, "one id per subscriber"
