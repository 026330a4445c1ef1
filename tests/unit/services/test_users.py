"""Accounts: password storage, logging in, and keeping one admin."""

from __future__ import annotations

import argon2
import pytest

from app.services import users
from app.services.errors import Forbidden, Invalid
from tests.conftest import PASSWORD


def test_passwords_are_stored_as_argon2id(app, make_user):
    """Is a password stored as an argon2id hash, never as itself?"""
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_production_hashes_at_argon2_cffi_default_cost(other_app):
    """Outside tests, is a password hashed at argon2-cffi's default cost (RFC 9106's
    low-memory profile), not at the cheap cost the test suite uses for speed?"""
    production = other_app(TESTING=False)
    with production.app_context():
        user = users.create_user(email="owner@example.com", password=PASSWORD)
        stored = argon2.extract_parameters(user.password_hash)
        assert users.authenticate("owner@example.com", PASSWORD) == user
    assert stored == argon2.extract_parameters(argon2.PasswordHasher().hash(PASSWORD))
    assert stored.memory_cost >= 64 * 1024 and stored.time_cost >= 3


def test_authenticate_with_right_credentials(app, make_user):
    """Does the right email and password log in, whatever the email's case and spacing?"""
    user = make_user("Manager@Example.com")
    assert users.authenticate(" MANAGER@example.com ", PASSWORD) == user


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("nobody@example.com", PASSWORD),
        ("manager@example.com", "wrong password here"),
        ("manager@example.com", ""),
        ("", ""),
    ],
    ids=["unknown-email", "wrong-password", "empty-password", "empty"],
)
def test_authenticate_refuses_with_no_hint(app, make_user, email, password):
    """Do a wrong email and a wrong password both give the same None, so nobody can probe
    which accounts exist?"""
    make_user()
    assert users.authenticate(email, password) is None


def test_disabled_user_cannot_authenticate(app, make_user, admin_user):
    """Does disabling a user stop their password working and end their sessions?"""
    user = make_user()
    cookie = user.get_id()
    assert users.load_session_user(cookie) == user

    users.set_active(user, False, actor=admin_user)

    assert users.authenticate(user.email, PASSWORD) is None
    assert users.load_session_user(cookie) is None


def test_short_password_is_refused(app):
    """Is a password shorter than the minimum refused with its length in the message?"""
    with pytest.raises(Invalid, match=str(users.MIN_PASSWORD)):
        users.create_user(email="new@example.com", password="short")


def test_duplicate_email_is_refused(app, make_user):
    """Can two accounts not share an email, whatever its case?"""
    make_user("manager@example.com")
    with pytest.raises(Invalid, match="already exists"):
        users.create_user(email="MANAGER@example.com", password=PASSWORD)


def test_last_admin_cannot_be_disabled(app, admin_user, make_user):
    """Is disabling the only active admin refused, so the page is never locked out?"""
    other = make_user()
    with pytest.raises(Forbidden, match="only active admin"):
        users.set_active(admin_user, False, actor=other)
    assert admin_user.active


def test_last_admin_cannot_be_removed_or_demoted(app, admin_user, make_user):
    """Is removing or demoting the only admin refused?"""
    other = make_user()
    with pytest.raises(Forbidden):
        users.delete_user(admin_user, actor=other)
    with pytest.raises(Forbidden):
        users.set_role(admin_user, "manager", actor=other)
    assert users.get_user(admin_user.id).role == "admin"


def test_an_admin_can_be_disabled_when_another_remains(app, admin_user, make_user):
    """With a second admin, can the first be disabled?"""
    second = make_user("second@example.com", "admin")
    users.set_active(admin_user, False, actor=second)
    assert not admin_user.active


def test_nobody_can_disable_themselves(app, admin_user, make_user):
    """Is disabling your own account refused, even when other admins exist?"""
    make_user("second@example.com", "admin")
    with pytest.raises(Forbidden, match="your own"):
        users.set_active(admin_user, False, actor=admin_user)


def test_new_password_ends_other_sessions(app, make_user):
    """Does changing a password log out every existing session?"""
    user = make_user()
    cookie = user.get_id()
    users.set_password(user, "another long passphrase")
    assert users.load_session_user(cookie) is None
    assert users.authenticate(user.email, "another long passphrase") == user
