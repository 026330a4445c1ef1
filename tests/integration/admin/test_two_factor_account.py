"""My two-factor login on My account: setting it up with the QR code, turning it off, new
recovery codes — each asking who I am first — and what it does to my other sessions."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import PASSWORD, Browser
from tests.two_factor_helpers import code, log_in_with_code, turn_on

SETUP = "/admin/account/two-factor"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.query(User).filter_by(email=email).one()


def _secret_on_the_page(html: str) -> str:
    key = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html)
    assert key, "the set-up page shows no key to type"
    return key.group(1).replace(" ", "")


def test_the_set_up_page_shows_a_qr_code_the_policy_allows(as_manager):
    """Does the set-up page show the QR code inline (no script, no data: URI, no style
    attribute the Content-Security-Policy would block), the key grouped for typing, and
    keep both the same on a reload?"""
    page = as_manager.get(SETUP)
    html = _text(page)
    assert page.status_code == 200
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S)
    assert svg and 'role="img"' in svg.group(0) and "<title>QR code" in svg.group(0)
    assert "data:" not in html and "style=" not in svg.group(0) and "<script" not in svg.group(0)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert re.search(r'<code class="totp-key">(?:[A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>', html)
    secret = _secret_on_the_page(html)
    assert _user("manager@example.com").totp_pending_secret == secret
    assert _secret_on_the_page(_text(as_manager.get(SETUP))) == secret
    assert not _user("manager@example.com").two_factor_enabled


def test_setting_it_up_shows_ten_recovery_codes_once(app, as_manager):
    """With the app's first code and my password, is two-factor on, with ten recovery codes
    shown on that answer and stored nowhere as they are?"""
    secret = _secret_on_the_page(_text(as_manager.get(SETUP)))
    answer = as_manager.post(SETUP, {"code": code(secret), "password": PASSWORD})
    assert answer.status_code == 200
    html = _text(answer)
    codes = re.findall(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", html)
    assert len(codes) == 10
    assert "Two-factor login is on." in html
    user = _user("manager@example.com")
    assert user.two_factor_enabled and user.totp_secret == secret
    account = _text(as_manager.get("/admin/account"))
    assert "10 of 10 recovery codes left." in account
    assert not any(c in account for c in codes)


def test_recovery_codes_can_be_saved_as_a_text_file(app, as_manager):
    """Does the codes page offer them as a file to download, holding every code with whose
    they are, without Herald serving them from a second address?"""
    secret = _secret_on_the_page(_text(as_manager.get(SETUP)))
    html = _text(as_manager.post(SETUP, {"code": code(secret), "password": PASSWORD}))
    codes = re.findall(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", html)
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" download=', html)
    assert link, "no download link on the recovery codes page"
    saved = urllib.parse.unquote(link.group(1))
    assert saved.startswith("Recovery codes for manager@example.com on ")
    assert [line.split(". ")[1] for line in saved.splitlines() if ". " in line[:4]] == codes


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"code": "", "password": PASSWORD}, 400, "Enter the 6-digit code the app shows"),
        ({"code": "12345x", "password": PASSWORD}, 400, "The code is 6 digits"),
        ({"code": "1" * 500, "password": PASSWORD}, 400, "too long"),
        ({"code": "WRONG", "password": ""}, 400, "Enter your password."),
        ({"code": "WRONG", "password": "not my password"}, 401, "The password is not correct."),
        ({"code": "WRONG", "password": PASSWORD}, 400, "does not match the QR code"),
    ],
)
def test_a_set_up_that_is_not_proven_changes_nothing(as_manager, fields, status, message):
    """Is a wrong or malformed code, or a missing or wrong password, refused with its
    reason — and two-factor still off?"""
    secret = _secret_on_the_page(_text(as_manager.get(SETUP)))
    if fields["code"] == "WRONG":
        right = {code(secret, n) for n in (-1, 0, 1)}
        fields = {
            **fields,
            "code": next(c for c in ("000000", "111111", "222222") if c not in right),
        }
    answer = as_manager.post(SETUP, fields)
    assert answer.status_code == status
    assert message in _text(answer)
    assert not _user("manager@example.com").two_factor_enabled


def test_setting_it_up_ends_my_other_sessions(app, as_manager):
    """Once two-factor is on, is a session of mine elsewhere (maybe someone else's) ended,
    while I stay logged in here?"""
    other = Browser(app.test_client())
    other.login("manager@example.com")
    secret = _secret_on_the_page(_text(as_manager.get(SETUP)))
    assert as_manager.post(SETUP, {"code": code(secret), "password": PASSWORD}).status_code == 200
    assert other.get("/admin/").headers["Location"].startswith("/admin/login")
    assert as_manager.get("/admin/").status_code == 200


def test_turning_it_off_needs_my_password_and_a_code(app, manager_user):
    """Is two-factor turned off only with my password and a current code — each mistake
    said with a 4xx — and are my other sessions ended when it is?"""
    secret, codes = turn_on(manager_user)
    me, elsewhere = Browser(app.test_client()), Browser(app.test_client())
    log_in_with_code(me, manager_user.email, secret, 0)
    used = log_in_with_code(elsewhere, manager_user.email, secret, 1)

    for fields, status, message in [
        ({}, 400, "Enter your password."),
        ({"off-password": PASSWORD}, 400, "Enter the code from your authenticator app"),
        ({"off-password": "wrong password!!", "off-current_code": codes[0]}, 401, "not correct"),
        ({"off-password": PASSWORD, "off-current_code": "12"}, 400, "6 digits"),
        ({"off-password": PASSWORD, "off-current_code": used}, 401, "used already"),
    ]:
        answer = me.post("/admin/account/two-factor/off", fields)
        assert answer.status_code == status, fields
        assert message in _text(answer), fields
        assert 'id="off-password"' in _text(answer)
    assert _user(manager_user.email).two_factor_enabled

    answer = me.post(
        "/admin/account/two-factor/off", {"off-password": PASSWORD, "off-current_code": codes[1]}
    )
    assert answer.status_code == 302
    assert not _user(manager_user.email).two_factor_enabled
    assert me.get("/admin/account").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302
    assert (
        Browser(app.test_client()).login_form(manager_user.email).headers["Location"] == "/admin/"
    )


def test_new_recovery_codes_need_my_password_and_a_code(app, manager_user):
    secret, old = turn_on(manager_user)
    me = Browser(app.test_client())
    log_in_with_code(me, manager_user.email, secret, 0)
    refused = me.post(
        "/admin/account/two-factor/recovery-codes",
        {"codes-password": "wrong password!!", "codes-current_code": code(secret, 1)},
    )
    assert refused.status_code == 401
    answer = me.post(
        "/admin/account/two-factor/recovery-codes",
        {"codes-password": PASSWORD, "codes-current_code": code(secret, 1)},
    )
    assert answer.status_code == 200
    new = re.findall(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", _text(answer))
    assert len(new) == 10 and not set(new) & set(old)
    assert "New recovery codes are made; the old ones no longer work." in _text(answer)


def test_moving_to_a_new_phone_keeps_the_old_one_until_confirmed(app, manager_user):
    """When I move two-factor to a new phone, does the old app keep working until the new
    one is confirmed, and stop after?"""
    secret, codes = turn_on(manager_user)
    me = Browser(app.test_client())
    log_in_with_code(me, manager_user.email, secret, 0)
    page = _text(me.get(SETUP))
    assert "Move two-factor login to a new app" in page
    new_secret = _secret_on_the_page(page)
    assert new_secret != secret
    answer = me.post(
        SETUP, {"code": code(new_secret), "password": PASSWORD, "current_code": codes[0]}
    )
    assert answer.status_code == 302
    user = _user(manager_user.email)
    assert user.totp_secret == new_secret
    assert "Two-factor login now uses your new app" in _text(me.get("/admin/account"))


def test_wrong_passwords_here_are_limited_too(other_app, make_user):
    """Can a stolen session guess my password through these forms without limit?"""
    from app.extensions import limiter

    limited = other_app(RATELIMIT_ENABLED=True, LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes")
    limiter.reset()
    make_user()
    me = Browser(limited.test_client())
    me.login("manager@example.com")
    me.read_csrf(SETUP)
    for _ in range(3):
        assert me.post(SETUP, {"code": "123456", "password": "wrong password!!"}).status_code == 401
    assert me.post(SETUP, {"code": "123456", "password": PASSWORD}).status_code == 429


def test_the_audit_log_page_filters_two_factor_changes(app, as_admin, manager_user):
    secret, _ = turn_on(manager_user)
    page = _text(as_admin.get("/admin/audit?action=two_factor"))
    assert "two_factor.enable" in page
    assert secret not in page
    assert db.session.query(AuditEvent).filter_by(action="two_factor.enable").count() == 1
