"""Does any route answer strange input with a server error?

Walks the whole url_map, so routes added later are covered without edits.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.services import incidents

ODD_IDS = ["0", "1", "2147483647", "99999999999999999999", "-1", "abc", quote("ü"), "%00"]
ODD_QUERIES = [
    "",
    "?page=abc",
    "?page=-1",
    "?page=0",
    "?page=99999999999999999999",
    "?page=" + quote("١"),
    "?label=" + quote("<script>alert(1)</script>"),
    "?label=" + "x" * 500,
    "?theme=%FF",
    "?next=//evil.example",
    "?day=2024-02-30",
    "?day=0000-01-01",
    "?day=9999-12-31",
    "?day=2024-05-10&page=99999999999999999999",
]


def _urls(app, methods: set[str]):
    for rule in app.url_map.iter_rules():
        if not (rule.methods or set()) & methods or rule.endpoint == "static":
            continue
        if not rule.arguments:
            yield rule.rule
            continue
        for value in ODD_IDS:
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
            yield path


@pytest.fixture
def populated(app, make_component):
    component = make_component("API")
    incidents.open_incident(
        name="Outage", impact="major", message="Down.", components={component.id: "major_outage"}
    )


def test_no_get_request_ends_in_a_server_error(app, populated, as_admin):
    """Anonymous or logged in, does any GET with odd ids or query strings give a 500?"""
    anonymous = app.test_client()
    failures = []
    for path in sorted(set(_urls(app, {"GET"}))):
        for query in ODD_QUERIES:
            for client in (anonymous, as_admin.client):
                response = client.get(path + query)
                if path == "/readyz" and response.status_code == 503 and response.is_json:
                    continue  # "not ready" (no worker runs in tests) is its answer, not a fault
                if response.status_code >= 500:
                    failures.append(f"{path}{query[:40]} → {response.status_code}")
    assert failures == []


def test_no_form_post_ends_in_a_server_error(app, populated, as_admin):
    """Does any admin form, sent empty or full of junk, give a 500 or write half of itself?"""
    junk = {
        "name": "x" * 5000,
        "title": " ",
        "email": "not-an-email",
        "status": "exploded",
        "impact": "apocalyptic",
        "message": "",
        "starts": "yesterday",
        "ends": "2026-13-45T25:61",
        "direction": "sideways",
        "role": "root",
        "password": "short",
        "accent_color": "red",
        "time_zone": "Mars/Olympus",
        "component-1": "melted",
        "components": "abc",
        "group_id": "abc",
        "body": "",
        "action": "explode",
    }
    failures = []
    for path in sorted(set(_urls(app, {"POST"}))):
        if path.endswith("/logout"):
            continue
        for data in ({}, junk, {"name": "a\x00b", "email": "a\x00@b.co", "title": "\x00"}):
            response = as_admin.post(path, data=data)
            if response.status_code >= 500:
                failures.append(f"{path} {sorted(data)[:3]} → {response.status_code}")
    assert failures == []
