"""Does every response carry the headers that keep visitors and managers safe?"""

from __future__ import annotations

import pytest


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/theme.css", "/does-not-exist"])
def test_public_responses_forbid_sniffing_inline_scripts_and_foreign_framing(client, path):
    """Can a public response be sniffed, run inline script or be framed by another site?"""
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == "frame-ancestors 'self'"


def test_admin_pages_cannot_be_framed_or_cached(client):
    """Is the admin login page kept out of frames and shared caches?"""
    response = client.get("/admin/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert _csp(response)["frame-ancestors"] == "frame-ancestors 'none'"


def test_plain_http_site_sends_no_hsts(client):
    """Does a site on plain http leave HSTS off (it would lock browsers out)?"""
    assert "Strict-Transport-Security" not in client.get("/theme.css").headers


def test_https_site_sends_hsts_and_host_prefixed_secure_cookie(other_app):
    """Served over https, are HSTS and a Secure __Host- session cookie in place?"""
    secure = other_app(SITE_URL="https://status.example.com")
    client = secure.test_client()
    response = client.get("/admin/login", base_url="https://status.example.com")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-herald=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
