"""The public address every absolute URL starts with (app/site.py)."""

from __future__ import annotations

import pytest

from app import create_app
from app.site import absolute_url, address_for_bind, derive_from_bind


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 5302, "http://127.0.0.1:5302"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104
        ("::", 8080, "http://127.0.0.1:8080"),
        ("::1", 8080, "http://[::1]:8080"),
        ("status.internal", 80, "http://status.internal:80"),
    ],
)
def test_a_served_address_is_one_a_browser_can_open(host, port, address):
    """Does `flask serve --host H --port P` name an address this machine's browser opens?"""
    assert address_for_bind(host, port) == address


def _app(**config):
    return create_app({"TESTING": True, "SECRET_KEY": "k", **config})


def test_serve_follows_its_port_unless_site_url_is_set(monkeypatch):
    """Without SITE_URL does serving on port 5302 make links name 5302, and with it do
    they keep naming SITE_URL?"""
    monkeypatch.delenv("SITE_URL", raising=False)
    derived = _app()
    assert derive_from_bind(derived, "127.0.0.1", 5302) == "http://127.0.0.1:5302"
    with derived.app_context():
        assert absolute_url("public.incident", incident_id=7) == "http://127.0.0.1:5302/incidents/7"

    configured = _app(SITE_URL="https://status.example.com/")
    assert derive_from_bind(configured, "127.0.0.1", 5302) is None
    with configured.app_context():
        assert absolute_url("public.index") == "https://status.example.com/"


def test_absolute_urls_keep_a_path_prefix():
    """Served under https://example.com/status, do links keep the /status prefix?"""
    with _app(SITE_URL="https://example.com/status").app_context():
        assert absolute_url("public.incident", incident_id=3) == (
            "https://example.com/status/incidents/3"
        )
