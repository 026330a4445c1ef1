"""Is every admin page closed to visitors, and every admin-only page to managers?

These tests walk the URL map, so an endpoint added later is covered without
anyone remembering to list it here.
"""

from __future__ import annotations

from flask import Flask

from app.admin import OPEN_ENDPOINTS
from app.models import Role
from tests.conftest import csrf_token_from

SAFE = {"HEAD", "OPTIONS"}


def admin_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every admin route, URL converters filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        _, url = rule.build(dict.fromkeys(rule.arguments, 1))
        for method in sorted((rule.methods or set()) - SAFE):
            routes.append((rule.endpoint, method, url))
    return routes


def is_admin_only(app: Flask, endpoint: str) -> bool:
    return getattr(app.view_functions[endpoint], "required_role", None) == Role.ADMIN


def _send(client, method: str, url: str, token: str):
    # With a valid CSRF token, a refusal can only come from the guard.
    data = {"csrf_token": token} if method != "GET" else None
    return client.open(url, method=method, data=data)


def test_the_walk_finds_the_admin_pages(app):
    """Does the walk see the pages it is meant to protect (so it cannot pass empty)?"""
    endpoints = {endpoint for endpoint, _, _ in admin_routes(app)}
    assert {"admin.dashboard", "admin.users", "admin.settings", "admin.logout"} <= endpoints
    assert is_admin_only(app, "admin.users") and is_admin_only(app, "admin.settings")
    assert not is_admin_only(app, "admin.dashboard")


def test_every_admin_page_sends_an_anonymous_visitor_to_login(app):
    """Can someone who is not logged in see or change anything on the admin side?"""
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    open_to_all = []
    for endpoint, method, url in admin_routes(app):
        if endpoint in OPEN_ENDPOINTS:
            continue
        response = _send(client, method, url, token)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith("/admin/login"):
            open_to_all.append(f"{method} {url} ({endpoint}) -> {response.status_code}")
    assert open_to_all == []


def test_only_the_login_pages_are_open(app):
    """Are the log-in pages the only admin pages a visitor may open — and the code step
    after the password only to someone who has just passed the password step?"""
    assert {"admin.login", "admin.login_code", "admin.login_recovery"} == OPEN_ENDPOINTS
    client = app.test_client()
    assert client.get("/admin/login").status_code == 200
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    for url in ("/admin/login/code", "/admin/login/recovery"):
        assert client.get(url).headers["Location"] == "/admin/login"
        refused = client.post(url, data={"csrf_token": token, "code": "123456"})
        assert refused.status_code == 400
        assert "Enter your email and password first." in refused.get_data(as_text=True)


def test_every_admin_only_page_refuses_a_manager(app, as_manager):
    """Can a manager reach user management, settings or any other admin-only page?"""
    refused_wrongly = []
    checked = 0
    for endpoint, method, url in admin_routes(app):
        if not is_admin_only(app, endpoint):
            continue
        checked += 1
        response = _send(as_manager.client, method, url, as_manager.csrf)
        if response.status_code != 403:
            refused_wrongly.append(f"{method} {url} ({endpoint}) -> {response.status_code}")
    assert checked > 0
    assert refused_wrongly == []


def test_a_manager_is_told_why(as_manager):
    """When a manager opens an admin-only page, do they get a clear message?"""
    response = as_manager.get("/admin/users")
    assert response.status_code == 403
    assert "This page is for admins only." in response.get_data(as_text=True)


def test_managers_still_reach_the_pages_for_managers(as_manager):
    """Does the guard leave a manager their own pages, like the dashboard?"""
    assert as_manager.get("/admin/").status_code == 200
