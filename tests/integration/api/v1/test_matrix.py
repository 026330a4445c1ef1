"""Who may call what: every /api/v1 route, found in the URL map, for every kind of caller.

An endpoint added later is in the matrix without anyone listing it here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.api.v1.auth import OPEN_ENDPOINTS, required_role
from app.extensions import db
from app.models import ApiToken, Role, utcnow
from app.services import api_tokens
from app.services.page import get_settings
from tests.integration.api.v1.conftest import Api

SAFE = {"HEAD", "OPTIONS"}


def api_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every /api/v1 route; ids that match nothing."""
    page_id = get_settings().code
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_v1."):
            continue
        values = {name: "1" for name in rule.arguments}
        if "page_id" in values:
            values["page_id"] = page_id
        url = rule.rule
        for name, value in values.items():
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        for method in sorted((rule.methods or set()) - SAFE):
            routes.append((rule.endpoint, method, url))
    return routes


def _callers(app, make_token) -> dict[str, Api]:
    revoked = make_token("admin", name="revoked")
    expired = make_token("admin", name="expired")
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.name == "expired")
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "revoked"))
    api_tokens.revoke_token(token, actor="test")
    client = app.test_client
    return {
        "anonymous": Api(client(), None),
        "revoked": Api(client(), revoked),
        "expired": Api(client(), expired),
        "manager": Api(client(), make_token("manager")),
        "admin": Api(client(), make_token("admin")),
    }


def _expected(app, caller: str, endpoint: str) -> str:
    if endpoint in OPEN_ENDPOINTS:
        return "allowed"
    if caller in ("anonymous", "revoked", "expired"):
        return "401"
    if caller == "manager" and required_role(endpoint) == Role.ADMIN:
        return "403"
    return "allowed"


def test_the_authorization_matrix(app, make_token):
    """Does every API route refuse anonymous, revoked and expired callers with 401, refuse
    manager tokens on admin-only routes with 403, and let the right tokens through?"""
    with app.test_request_context():
        routes = api_routes(app)
    endpoints = {endpoint for endpoint, _, _ in routes}
    assert {
        "api_v1.components",
        "api_v1.incident_create",
        "api_v1.subscriber_list",
        "api_v1.template_list",
        "api_v1.template_create",
        "api_v1.template_read",
        "api_v1.template_change",
        "api_v1.template_delete",
    } <= endpoints
    callers = _callers(app, make_token)
    wrong = []
    for endpoint, method, url in routes:
        for caller, api in callers.items():
            expected = _expected(app, caller, endpoint)
            status = api.open(method, url).status_code
            got = str(status) if status in (401, 403) else "allowed"
            if got != expected or status >= 500:
                wrong.append(f"{caller} {method} {url}: {status}, expected {expected}")
    assert wrong == []


def test_admin_only_routes_exist_and_are_marked(app):
    """Are the subscriber routes (personal data) the admin-only ones? (Templates are a
    manager's tool, like the incidents they fill.)"""
    with app.test_request_context():
        admin_only = {e for e, _, _ in api_routes(app) if required_role(e) == Role.ADMIN}
    assert admin_only == {
        "api_v1.subscriber_list",
        "api_v1.subscriber_create",
        "api_v1.subscriber_read",
        "api_v1.subscriber_remove",
    }


ODD_IDS = ["0", "1", "2147483648", "99999999999999999999", "-1", "abc", "%C3%BC", "%00", "x" * 300]


def test_odd_ids_never_give_a_server_error(app, admin_api, make_component):
    """With a valid admin token, does any route answer an odd id with a 500 or a non-JSON error?"""
    make_component("API")
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_v1.") or not rule.arguments - {"page_id"}:
            continue
        for value in ODD_IDS:
            url = rule.rule.replace("<page_id>", get_settings().code)
            for name in rule.arguments - {"page_id"}:
                url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            for method in sorted((rule.methods or set()) - SAFE):
                response = admin_api.open(method, url, json={})
                if response.status_code >= 500 or not response.is_json:
                    failures.append(f"{method} {url[:60]} → {response.status_code}")
    assert failures == []
