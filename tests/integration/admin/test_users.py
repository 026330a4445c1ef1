"""Managing who can log in: adding, disabling, roles, passwords, removing."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, User
from app.services import users
from tests.conftest import PASSWORD, Browser

NEW_PASSWORD = "a brand new passphrase"


def _user(email: str) -> User | None:
    db.session.expire_all()
    return users.find_by_email(email)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_sees_everyone_with_role_and_state(as_admin, make_user, admin_user):
    """Does the users page list every account with its role and whether it is active?"""
    manager = make_user("ops@example.com")
    users.set_active(manager, False, actor=admin_user)
    html = _text(as_admin.get("/admin/users"))
    assert "admin@example.com" in html and "ops@example.com" in html
    assert "Disabled" in html and "Active" in html
    assert '<label for="new-email">Email</label>' in html


def test_adding_a_user_lets_them_log_in(app, as_admin):
    """After I add a colleague, can they log in with the initial password?"""
    response = as_admin.post(
        "/admin/users/new",
        {"email": " New@Example.com", "role": "manager", "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "Added new@example.com as manager." in _text(as_admin.get("/admin/users"))
    colleague = Browser(app.test_client())
    colleague.login("new@example.com", NEW_PASSWORD)
    assert colleague.get("/admin/").status_code == 200


def test_adding_with_bad_input_explains_and_adds_nobody(as_admin):
    """If the email is bad, the password short or the role made up, am I told, and nobody added?"""
    cases = [
        ({"email": "not-an-email", "role": "manager", "password": NEW_PASSWORD}, "valid email"),
        ({"email": "", "role": "manager", "password": NEW_PASSWORD}, "Enter an email address."),
        ({"email": "a@example.com", "role": "manager", "password": "short"}, "between 12 and 1024"),
        ({"email": "a@example.com", "role": "owner", "password": NEW_PASSWORD}, "Not a valid"),
        ({"email": "x" * 300 + "@example.com", "role": "admin", "password": NEW_PASSWORD}, ""),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/users/new", data)
        assert response.status_code == 400, data
        assert message in _text(response)
    assert [u.email for u in users.list_users()] == ["admin@example.com"]


def test_adding_the_same_email_twice_is_refused(as_admin):
    """Can two accounts share one email?"""
    response = as_admin.post(
        "/admin/users/new",
        {"email": "ADMIN@example.com", "role": "manager", "password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "already exists" in _text(response)


def test_disabling_a_user_logs_them_out_at_once(app, as_admin, make_user):
    """When I disable someone logged in, are they out at once, and back in when enabled?"""
    ops = make_user("ops@example.com")
    theirs = Browser(app.test_client())
    theirs.login("ops@example.com")
    assert theirs.get("/admin/").status_code == 200

    response = as_admin.post(f"/admin/users/{ops.id}/disable")
    assert response.status_code == 302
    assert theirs.get("/admin/").status_code == 302
    assert _user("ops@example.com").active is False

    as_admin.post(f"/admin/users/{ops.id}/enable")
    assert _user("ops@example.com").active is True
    Browser(app.test_client()).login("ops@example.com")


def test_i_cannot_disable_or_remove_myself(as_admin, admin_user, make_user):
    """Can I lock myself out by disabling or removing my own account?"""
    make_user("other-admin@example.com", "admin")
    for action, message in [
        ("disable", "You cannot disable your own account."),
        ("remove", "You cannot remove your own account."),
    ]:
        response = as_admin.post(f"/admin/users/{admin_user.id}/{action}")
        assert response.status_code == 403
        assert message in _text(response)
    assert _user("admin@example.com").active is True


def test_the_last_admin_cannot_step_down(app, as_admin, admin_user, make_user):
    """Can the site end up with no admin at all?"""
    response = as_admin.post(f"/admin/users/{admin_user.id}/role", {"role": "manager"})
    assert response.status_code == 403
    assert "only active admin" in _text(response)
    assert _user("admin@example.com").role == "admin"

    # With a second admin, one of them may step down (and lands on the dashboard).
    make_user("second@example.com", "admin")
    response = as_admin.post(f"/admin/users/{admin_user.id}/role", {"role": "manager"})
    assert response.headers["Location"] == "/admin/"
    assert _user("admin@example.com").role == "manager"


def test_changing_a_role(as_admin, make_user):
    """Can I make a manager an admin, and is a made-up role refused?"""
    ops = make_user("ops@example.com")
    assert as_admin.post(f"/admin/users/{ops.id}/role", {"role": "admin"}).status_code == 302
    assert _user("ops@example.com").role == "admin"
    refused = as_admin.post(f"/admin/users/{ops.id}/role", {"role": "root"})
    assert refused.status_code == 400
    assert "Choose a role" in _text(refused)
    assert _user("ops@example.com").role == "admin"


def test_resetting_a_password(app, as_admin, make_user):
    """After I reset someone's password, does only the new one work, and are they logged out?"""
    ops = make_user("ops@example.com")
    theirs = Browser(app.test_client())
    theirs.login("ops@example.com")

    short = as_admin.post(f"/admin/users/{ops.id}/password", {"password": "tiny"})
    assert short.status_code == 400
    assert "between 12 and 1024 characters" in _text(short)

    response = as_admin.post(f"/admin/users/{ops.id}/password", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert theirs.get("/admin/").status_code == 302
    assert users.authenticate("ops@example.com", PASSWORD) is None
    assert users.authenticate("ops@example.com", NEW_PASSWORD) is not None


def test_resetting_my_own_password_keeps_me_logged_in(as_admin, admin_user):
    """If I change my own password, do I stay logged in on this browser?"""
    response = as_admin.post(f"/admin/users/{admin_user.id}/password", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert as_admin.get("/admin/users").status_code == 200


def test_removing_a_user(app, as_admin, make_user):
    """After I remove someone, are they gone, unable to log in, and is it on record?"""
    ops = make_user("ops@example.com")
    assert as_admin.post(f"/admin/users/{ops.id}/remove").status_code == 302
    assert _user("ops@example.com") is None
    assert users.authenticate("ops@example.com", PASSWORD) is None
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "user.delete" in actions


def test_acting_on_a_missing_user_is_a_404(as_admin):
    """What if the user was removed meanwhile (an old tab)?"""
    for action in ("disable", "enable", "remove", "role", "password"):
        response = as_admin.post(f"/admin/users/9999/{action}", {"role": "admin"})
        assert response.status_code == 404, action


def test_user_forms_need_a_csrf_token(as_admin, make_user):
    """Can another site make my browser add or remove users?"""
    ops = make_user("ops@example.com")
    client = as_admin.client
    add = client.post(
        "/admin/users/new",
        data={"email": "evil@example.com", "role": "admin", "password": NEW_PASSWORD},
    )
    assert add.status_code == 400
    assert client.post(f"/admin/users/{ops.id}/remove").status_code == 400
    assert _user("evil@example.com") is None and _user("ops@example.com") is not None
