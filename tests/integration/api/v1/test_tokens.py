"""Who may call the management API, and how the tokens behave."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, AuditEvent, utcnow
from app.services import api_tokens
from tests.integration.api.v1.conftest import Api, error_of


def test_an_admin_creates_a_token_and_sees_it_once(as_admin):
    """Does the admin page show a new token once, and keep only its hash?"""
    page = as_admin.post("/admin/api-tokens/new", data={"name": "Deploy", "role": "manager"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "only time it is shown" in html
    token = db.session.scalar(select(ApiToken))
    secret = html.split("<code>hrld_", 1)[1].split("</code>", 1)[0]
    secret = "hrld_" + secret
    assert token.token_hash == api_tokens.digest(secret) and secret not in token.token_hash
    assert secret not in as_admin.get("/admin/api-tokens").get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent.action)).all()
    assert "token.create" in events


def test_sending_the_token_form_again_makes_no_second_token(as_admin):
    """Reloading the answer that showed a new token (or Back and resend) sends the same form
    again: is it refused, saying so, with one token made? A new form still makes one."""
    form = as_admin.get("/admin/api-tokens").get_data(as_text=True)
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1)
    sent = {"name": "Deploy", "role": "manager", "once": once}
    assert as_admin.post("/admin/api-tokens/new", data=sent).status_code == 200
    again = as_admin.post("/admin/api-tokens/new", data=sent)
    assert again.status_code == 409 and "no second token was made" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1
    fresh = re.search(r'name="once" type="hidden" value="([^"]+)"', again.get_data(as_text=True))
    assert fresh.group(1) != once
    made = as_admin.post("/admin/api-tokens/new", data={**sent, "once": fresh.group(1)})
    assert made.status_code == 200
    assert db.session.scalar(select(func.count(ApiToken.id))) == 2


def test_a_token_page_refuses_a_blank_name(as_admin):
    """Is a token without a name refused with a message next to the field?"""
    page = as_admin.post("/admin/api-tokens/new", data={"name": " ", "role": "admin"})
    assert page.status_code == 400
    assert "Name the token" in page.get_data(as_text=True)


def test_managers_cannot_manage_tokens(as_manager):
    """Can a manager open the API tokens page?"""
    assert as_manager.get("/admin/api-tokens").status_code == 403


def test_both_header_schemes_work(app, make_token):
    """Do Statuspage clients (OAuth) and others (Bearer) both get in?"""
    secret = make_token("manager")
    for scheme in ("Bearer", "OAuth", "bearer"):
        assert Api(app.test_client(), secret, scheme).get("/api/v1/components").status_code == 200


def test_wrong_revoked_and_expired_tokens_get_the_same_401(app, make_token, as_admin):
    """Can a caller tell an unknown token from a revoked or expired one?"""
    revoked = make_token("admin", name="old")
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "old"))
    as_admin.post(f"/admin/api-tokens/{token.id}/revoke")
    expired = make_token("admin", name="short", expires_at=utcnow() + timedelta(seconds=1))
    short = db.session.scalar(select(ApiToken).where(ApiToken.name == "short"))
    short.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    answers = []
    for secret in (None, "hrld_nonsense", revoked, expired, "x" * 5000):
        response = Api(app.test_client(), secret).get("/api/v1/components")
        assert response.status_code == 401
        assert "Bearer" in response.headers["WWW-Authenticate"]
        answers.append(error_of(response)["message"])
    assert len(set(answers)) == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "token.revoke" in actions


def test_a_session_cookie_is_not_a_token(as_admin):
    """Does a logged-in admin's cookie open the API (it must not: CSRF would matter then)?"""
    assert as_admin.get("/api/v1/components").status_code == 401


def test_a_token_in_the_query_string_is_refused(app, make_token):
    """Is a token put in the URL refused with a pointer to the header?"""
    secret = make_token("admin")
    client = app.test_client()
    for query in (f"api_key={secret}", f"x={secret}"):
        response = client.get(f"/api/v1/components?{query}")
        assert response.status_code == 400
        assert "Authorization header" in error_of(response)["message"]


def test_a_manager_token_is_refused_on_admin_endpoints(manager_api):
    """Can a manager's token list subscribers (an admin's job)?"""
    response = manager_api.get("/api/v1/subscribers")
    assert response.status_code == 403
    assert "admin token" in error_of(response)["message"]


def test_last_use_is_recorded_but_not_on_every_request(app, admin_api):
    """Does the token list say when a token was last used, without a write per request?"""
    admin_api.get("/api/v1/components")
    first = db.session.scalar(select(ApiToken.last_used_at))
    assert first is not None
    admin_api.get("/api/v1/components")
    assert db.session.scalar(select(ApiToken.last_used_at)) == first


def test_the_page_id_must_be_this_pages(admin_api):
    """Does /api/v1/pages/<id>/… answer for this page's id only?"""
    page_id = admin_api.client.get("/api/v2/summary.json").get_json()["page"]["id"]
    assert admin_api.get(f"/api/v1/pages/{page_id}/components").status_code == 200
    response = admin_api.get("/api/v1/pages/nosuchpage/components")
    assert response.status_code == 404
    error_of(response)


def test_requests_are_limited_per_token(other_app, make_token):
    """Does one script sending too fast get 429s without slowing another token?"""
    app = other_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    from app.extensions import limiter

    limiter.enabled = True
    with app.app_context():
        fast = Api(app.test_client(), make_token("admin", name="fast"))
        other = Api(app.test_client(), make_token("admin", name="other"))
        codes = [fast.get("/api/v1/components").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        throttled = fast.get("/api/v1/components")
        assert error_of(throttled) and "Retry-After" in throttled.headers
        assert other.get("/api/v1/components").status_code == 200


def test_a_token_cannot_expire_in_the_past_and_revoking_twice_is_harmless(app):
    """Is an expiry already past refused, and does a second revoke change nothing?"""
    import pytest

    from app.services.errors import Invalid

    with pytest.raises(Invalid):
        api_tokens.create_token(
            name="x", role="admin", expires_at=utcnow() - timedelta(days=1), actor="test"
        )
    token, secret = api_tokens.create_token(name="y", role="manager", actor="test")
    assert api_tokens.authenticate(secret).id == token.id
    first = api_tokens.revoke_token(token, actor="test").revoked_at
    assert api_tokens.revoke_token(token, actor="test").revoked_at == first
    assert api_tokens.authenticate(secret) is None
    revokes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token.revoke"))
    assert len(list(revokes)) == 1
