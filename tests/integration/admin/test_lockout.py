"""A locked-out account: what the refusal says, and what really lifts the lock."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, Browser, csrf_token_from

NEW_PASSWORD = "a brand new passphrase"
WRONG = "wrong password!!"
HOME = "203.0.113.7"


@pytest.fixture
def limited(other_app):
    """An app with login limits on: 3 failures per account, 5 per address."""
    from app.extensions import limiter

    limited_app = other_app(
        RATELIMIT_ENABLED=True,
        LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_FAILURES_PER_IP="5 per 15 minutes",
    )
    limiter.reset()
    yield limited_app
    # The limiter is one object for every app; leave it as the other tests expect it.
    limiter.reset()
    limiter.enabled = False


def _attempt(app, email, password, ip=HOME):
    client = app.test_client()
    env = {"REMOTE_ADDR": ip}
    page = client.get("/admin/login", environ_base=env)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=env,
    )


def _set_password_as_admin(app, user, password: str):
    admin = Browser(app.test_client())
    admin.login("admin@example.com")
    return admin.post(f"/admin/users/{user.id}/password", data={"password": password})


def test_an_admin_setting_a_new_password_lifts_the_lock(limited, admin_user, manager_user):
    """Locked out after too many wrong passwords, am I told how long to wait and that an
    admin can help — and once an admin sets a new password, can I log in at once?"""
    for _ in range(3):
        assert _attempt(limited, manager_user.email, WRONG).status_code == 401
    locked = _attempt(limited, manager_user.email, PASSWORD)
    assert locked.status_code == 429
    message = locked.get_data(as_text=True)
    assert re.search(r"Try again in 1[45] minutes", message)
    assert "ask an admin to set a new password for you: that lifts the lock at once" in message

    assert _set_password_as_admin(limited, manager_user, NEW_PASSWORD).status_code == 302
    assert _attempt(limited, manager_user.email, NEW_PASSWORD).status_code == 302


def test_the_lock_holds_until_someone_sets_a_new_password(limited, admin_user, manager_user):
    """Is the lock kept while nobody resets the password (and other accounts untouched)?"""
    for _ in range(3):
        _attempt(limited, manager_user.email, WRONG)
    assert _attempt(limited, manager_user.email, PASSWORD, ip="198.51.100.9").status_code == 429
    assert _attempt(limited, admin_user.email, PASSWORD, ip="198.51.100.9").status_code == 302
    assert _attempt(limited, manager_user.email, PASSWORD, ip="198.51.100.9").status_code == 429


def test_a_lock_on_an_address_says_that_only_waiting_helps(limited, admin_user, manager_user):
    """When my network address is locked out (many accounts guessed from it), does the
    message say so — not promise that a new password would help?"""
    for n in range(5):
        assert _attempt(limited, f"guess{n}@example.com", WRONG).status_code == 401
    locked = _attempt(limited, manager_user.email, PASSWORD)
    assert locked.status_code == 429
    message = locked.get_data(as_text=True)
    assert "from your network address" in message
    assert re.search(r"Try again in 1[45] minutes", message)
    assert "new password" not in message

    assert _set_password_as_admin(limited, manager_user, NEW_PASSWORD).status_code == 302
    assert _attempt(limited, manager_user.email, NEW_PASSWORD).status_code == 429
    assert _attempt(limited, manager_user.email, NEW_PASSWORD, ip="192.0.2.1").status_code == 302
