"""Two-factor login from the admin's side: who has it, resetting it for a lost phone,
requiring it of everybody — and wrong codes locking an account as wrong passwords do."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import PASSWORD, Browser
from tests.two_factor_helpers import code, log_in_with_code, password_step, turn_on

SETUP = "/admin/account/two-factor"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.query(User).filter_by(email=email).one()


def _require(as_admin: Browser, required: bool):
    data = {"required": "y"} if required else {}
    return as_admin.post("/admin/settings/two-factor", data)


def test_the_users_list_shows_who_has_two_factor(as_admin, manager_user):
    turn_on(manager_user)
    html = _text(as_admin.get("/admin/users"))
    assert '<th scope="col">Two-factor</th>' in html
    row = re.compile(
        r'<th scope="row"[^>]*>([^<]+).*?data-label="Two-factor">\s*<span class="[^"]+">([^<]+)<',
        re.S,
    )
    rows = {email.strip(): state for email, state in row.findall(html)}
    assert rows == {"admin@example.com": "Off", "manager@example.com": "On"}
    assert 'Reset two-factor<span class="visually-hidden"> of manager@example.com' in html


def test_an_admin_resets_a_lost_phone(app, as_admin, manager_user):
    """When a manager loses their phone and codes, can an admin reset their two-factor —
    ending their sessions, in the audit log — so they log in with the password alone?"""
    secret, _ = turn_on(manager_user)
    theirs = Browser(app.test_client())
    log_in_with_code(theirs, manager_user.email, secret)

    answer = as_admin.post(f"/admin/users/{manager_user.id}/two-factor/reset")
    assert answer.status_code == 302
    assert "Reset the two-factor login of manager@example.com" in _text(
        as_admin.get("/admin/users")
    )
    assert not _user(manager_user.email).two_factor_enabled
    assert theirs.get("/admin/").status_code == 302
    event = db.session.query(AuditEvent).filter_by(action="two_factor.reset").one()
    assert event.actor_label == "admin@example.com" and event.target_id == str(manager_user.id)
    assert (
        Browser(app.test_client()).login_form(manager_user.email).headers["Location"] == "/admin/"
    )


def test_a_reset_with_nothing_to_reset_is_refused(as_admin, admin_user, manager_user):
    answer = as_admin.post(f"/admin/users/{manager_user.id}/two-factor/reset")
    assert answer.status_code == 400
    assert "has no two-factor login to reset" in _text(answer)
    turn_on(admin_user)
    mine = as_admin.post(f"/admin/users/{admin_user.id}/two-factor/reset")
    # Turning on two-factor ended the admin's session: they log in again first.
    assert mine.status_code == 302 and mine.headers["Location"].startswith("/admin/login")


def test_an_admin_cannot_reset_their_own_here(app, admin_user):
    secret, _ = turn_on(admin_user)
    admin = Browser(app.test_client())
    log_in_with_code(admin, admin_user.email, secret)
    answer = admin.post(f"/admin/users/{admin_user.id}/two-factor/reset")
    assert answer.status_code == 403
    assert "Change your own two-factor login on My account." in _text(answer)
    assert _user(admin_user.email).two_factor_enabled


def test_required_two_factor_sends_users_to_set_it_up(app, as_admin, manager_user):
    """When two-factor is required, is a user without it sent to set it up right after the
    password, kept there whatever they open, and free once it is on?"""
    assert _require(as_admin, True).status_code == 302
    event = db.session.query(AuditEvent).filter_by(action="two_factor.required").one()
    assert event.details == {"required": True}

    manager = Browser(app.test_client())
    landing = manager.login_form(manager_user.email)
    assert landing.headers["Location"] == "/admin/"
    for url in ["/admin/", "/admin/incidents", "/admin/account", "/admin/components/new"]:
        sent = manager.get(url)
        assert sent.status_code == 302 and sent.headers["Location"] == SETUP, url
    page = manager.read_csrf(SETUP)
    html = _text(page)
    assert "An admin requires two-factor login for everybody." in html
    assert 'class="admin-nav"' not in html and "Cancel" not in html
    refused = manager.post("/admin/components/new", {"name": "Sneaky"})
    assert refused.status_code == 302 and refused.headers["Location"] == SETUP

    key = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    done = manager.post(SETUP, {"code": code(key.replace(" ", "")), "password": PASSWORD})
    assert done.status_code == 200
    assert manager.get("/admin/incidents").status_code == 200
    # And the admin who required it is sent to set up their own.
    assert as_admin.get("/admin/users").headers["Location"] == SETUP


def test_users_with_two_factor_keep_working_when_it_is_required(app, as_admin, manager_user):
    secret, _ = turn_on(manager_user)
    _require(as_admin, True)
    manager = Browser(app.test_client())
    log_in_with_code(manager, manager_user.email, secret)
    assert manager.get("/admin/incidents").status_code == 200
    off = manager.post(
        "/admin/account/two-factor/off",
        {"off-password": PASSWORD, "off-current_code": code(secret, 1)},
    )
    assert off.status_code == 403
    assert "requires two-factor login for everybody" in _text(off)


def test_the_settings_page_says_who_has_not_set_it_up(as_admin, manager_user):
    turn_on(manager_user)
    html = _text(as_admin.get("/admin/settings"))
    assert "Without two-factor login now: admin@example.com." in html
    assert '<label for="required">Require two-factor login for everybody</label>' in html
    assert _require(as_admin, False).status_code == 302
    assert db.session.query(AuditEvent).filter_by(action="two_factor.required").count() == 0


def test_the_requirement_is_for_admins_only(as_manager):
    assert _require(as_manager, True).status_code == 403


@pytest.fixture
def limited(other_app):
    """An app with log-in limits on: 3 failures per account, 5 per address."""
    from app.extensions import limiter

    limited_app = other_app(
        RATELIMIT_ENABLED=True,
        LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_FAILURES_PER_IP="5 per 15 minutes",
    )
    limiter.reset()
    return limited_app


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(limited, manager_user):
    """Can someone who has my password guess codes without limit? Do wrong codes and wrong
    passwords add up on my account, and does the lock cover both steps?"""
    secret, _ = turn_on(manager_user)
    guesser = Browser(limited.test_client())
    assert guesser.login_form(manager_user.email, "wrong password!!").status_code == 401
    password_step(guesser, manager_user.email)
    right = {code(secret, n) for n in (-1, 0, 1)}
    wrong = [c for c in ("000000", "111111", "222222", "333333") if c not in right]
    for guess in wrong[:2]:
        assert guesser.post("/admin/login/code", {"code": guess}).status_code == 401
    locked = guesser.post("/admin/login/code", {"code": code(secret)})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts for this account" in _text(locked)

    me = Browser(limited.test_client())
    me.read_csrf("/admin/login")
    refused = me.client.post(
        "/admin/login",
        data={"email": manager_user.email, "password": PASSWORD, "csrf_token": me.csrf},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert refused.status_code == 429
