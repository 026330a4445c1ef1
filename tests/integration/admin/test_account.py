"""My account: seeing who I am, changing my own password, ending my sessions."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent
from app.services import users
from tests.conftest import PASSWORD, Browser, csrf_token_from

NEW_PASSWORD = "a brand new passphrase"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _change(browser: Browser, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return browser.post(
        "/admin/account/password",
        {
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def _password_works(email: str, password: str) -> bool:
    db.session.expire_all()
    return users.authenticate(email, password) is not None


def test_my_account_shows_who_i_am(as_manager):
    """Does my account page show my email and role, with a labelled password form?"""
    html = _text(as_manager.get("/admin/account"))
    assert "manager@example.com" in html and "Manager" in html
    for field_id, label in [
        ("current_password", "Current password"),
        ("password", "New password"),
        ("confirm", "Repeat the new password"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in html
    assert 'href="/admin/account" aria-current="page"' in html


def test_changing_my_password_replaces_the_old_one(as_manager):
    """After I change my password, does the new one work and the old one stop working?"""
    response = _change(as_manager)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/account"
    page = as_manager.get("/admin/account")
    assert page.status_code == 200
    assert "Your password is changed" in _text(page)
    assert _password_works("manager@example.com", NEW_PASSWORD)
    assert not _password_works("manager@example.com", PASSWORD)
    assert db.session.query(AuditEvent).filter_by(action="user.password").count() == 1


def test_a_wrong_current_password_changes_nothing(as_manager):
    """If I mistype my current password, am I told so with a 400, and is nothing changed?"""
    response = _change(as_manager, current="not my password at all")
    assert response.status_code == 400
    assert "The current password is not correct." in _text(response)
    assert 'aria-invalid="true"' in _text(response)
    assert _password_works("manager@example.com", PASSWORD)
    assert not _password_works("manager@example.com", NEW_PASSWORD)
    assert as_manager.get("/admin/account").status_code == 200


def test_a_short_or_mismatched_new_password_is_refused(as_manager):
    """Is a short new password, one that differs from its repeat, or the old one again refused?"""
    cases = [
        ({"new": "short"}, "between 12 and 1024"),
        ({"confirm": "something else entirely"}, "The two new passwords differ."),
        ({"new": PASSWORD}, "must differ from the current one"),
        ({"current": ""}, "Enter your current password."),
    ]
    for kwargs, message in cases:
        response = _change(as_manager, **kwargs)
        assert response.status_code == 400, kwargs
        assert message in _text(response), kwargs
    assert _password_works("manager@example.com", PASSWORD)


def test_changing_my_password_ends_my_other_sessions_only(app, as_manager):
    """When I change my password here, is my session on another device ended, and this one kept?"""
    other = Browser(app.test_client())
    other.login("manager@example.com")
    assert other.get("/admin/").status_code == 200

    assert _change(as_manager).status_code == 302

    elsewhere = other.get("/admin/")
    assert elsewhere.status_code == 302
    assert elsewhere.headers["Location"].startswith("/admin/login")
    assert as_manager.get("/admin/").status_code == 200


def test_the_kept_session_can_still_act(as_manager):
    """After the change, can I still submit forms here (a fresh CSRF token is issued)?"""
    assert _change(as_manager).status_code == 302
    as_manager.csrf = csrf_token_from(_text(as_manager.get("/admin/account")))
    again = _change(as_manager, current=NEW_PASSWORD, new="yet another long passphrase")
    assert again.status_code == 302
    assert _password_works("manager@example.com", "yet another long passphrase")


def test_log_out_everywhere_ends_every_session(app, as_manager):
    """Does "Log out everywhere" end my session here and on every other device?"""
    other = Browser(app.test_client())
    other.login("manager@example.com")

    response = as_manager.post("/admin/account/sessions/end")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    for browser in (as_manager, other):
        answer = browser.get("/admin/account")
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/admin/login")
    assert _password_works("manager@example.com", PASSWORD)


def test_log_out_everywhere_needs_the_csrf_token(as_manager):
    """Can another site log me out everywhere with a forged form?"""
    response = as_manager.client.post("/admin/account/sessions/end", data={})
    assert response.status_code == 400
    assert as_manager.get("/admin/account").status_code == 200
