"""Logging in and out of the admin side."""

from __future__ import annotations

import pytest

from app.admin.auth import LOGIN_FAILED, safe_next_url
from tests.conftest import PASSWORD, Browser, csrf_token_from


def _login_form(client, email, password, **extra):
    page = client.get("/admin/login")
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/admin/login", data=data)


# --- where a login may send you: a pure function --------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/admin/", "/admin/users", "/admin/incidents?page=2", "/admin/incidents/1#updates"],
)
def test_local_paths_are_kept(target):
    """After logging in, do I land on the admin page I was trying to open?"""
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/admin/",
        "http:/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "evil.example/admin",
        "admin/users",
        "/admin\n/users",
        "/\t/evil.example",
        "/admin/\x00",
        "/admin\x7f",
        " /admin/",
    ],
)
def test_other_sites_and_odd_paths_are_refused(target):
    """Can a crafted `next=` link send me to another site after I log in?"""
    assert safe_next_url(target) is None


# --- logging in ---------------------------------------------------------------------------


def test_login_page_has_a_labelled_form_with_a_csrf_token(client):
    """Does the login page show a form with labelled email and password fields?"""
    response = client.get("/admin/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert csrf_token_from(html)


def test_right_password_logs_in_and_opens_the_dashboard(client, admin_user):
    """With my email and password, do I get to the dashboard?"""
    response = _login_form(client, "  Admin@Example.com ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert 'Log out<span class="visually-hidden"> admin@example.com</span>' in dashboard.get_data(
        as_text=True
    )


def test_wrong_password_and_unknown_email_get_the_same_message(client, admin_user):
    """Can someone tell from the error whether an account exists?"""
    wrong = _login_form(client, "admin@example.com", "not the password at all")
    unknown = _login_form(client, "nobody@example.com", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_disabled_account_cannot_log_in(client, make_user, admin_user):
    """Once an admin disables my account, does my password stop working?"""
    from app.services import users

    user = make_user("gone@example.com")
    users.set_active(user, False, actor=admin_user)
    response = _login_form(client, "gone@example.com", PASSWORD)
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_empty_or_overlong_fields_are_refused_with_a_message(client, admin_user):
    """If I leave a field empty or paste something huge, am I told what is wrong?"""
    empty = _login_form(client, "", "")
    assert empty.status_code == 400
    html = empty.get_data(as_text=True)
    assert "Enter your email address." in html and "Enter your password." in html
    huge = _login_form(client, "a" * 300 + "@example.com", "x" * 2000)
    assert huge.status_code == 400


def test_login_without_csrf_token_is_refused(client, admin_user):
    """Can another site post my credentials to the login form (login CSRF)?"""
    response = client.post(
        "/admin/login", data={"email": "admin@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_login_goes_back_to_the_page_i_asked_for(client, admin_user):
    """If I followed a link to the users page, do I land there after logging in?"""
    bounce = client.get("/admin/users?sort=email")
    assert bounce.status_code == 302
    assert bounce.headers["Location"].startswith("/admin/login?next=")
    response = _login_form(client, "admin@example.com", PASSWORD, next="/admin/users?sort=email")
    assert response.headers["Location"] == "/admin/users?sort=email"


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_login_never_sends_me_to_another_site(client, admin_user, target):
    """Does a crafted login link with next= to another site land on the dashboard instead?"""
    response = _login_form(client, "admin@example.com", PASSWORD, next=target)
    assert response.headers["Location"] == "/admin/"


def test_login_page_sends_a_logged_in_user_on(as_admin):
    """If I am already logged in, does the login page send me to the dashboard?"""
    response = as_admin.get("/admin/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_starts_a_fresh_session(client, admin_user):
    """Is the session from before login (possibly planted) replaced at login?"""
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    _login_form(client, "admin@example.com", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{admin_user.id}:")


# --- logging out --------------------------------------------------------------------------


def test_logout_is_a_post_form_on_every_admin_page(as_admin):
    """Is there a log-out button, and does a plain link (GET) not log me out?"""
    html = as_admin.get("/admin/").get_data(as_text=True)
    assert 'action="/admin/logout"' in html and 'method="post"' in html
    assert as_admin.get("/admin/logout").status_code == 405
    assert as_admin.get("/admin/").status_code == 200


def test_logout_ends_the_session_and_a_copied_cookie_stops_working(app, as_admin):
    """After I log out, can someone who copied my session cookie still get in?"""
    with as_admin.client.session_transaction() as session:
        stolen = dict(session)
    response = as_admin.post("/admin/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert as_admin.get("/admin/").status_code == 302

    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/admin/").status_code == 302


def test_logout_without_csrf_token_is_refused(as_admin):
    """Can another site log me out by posting to the logout URL?"""
    response = as_admin.client.post("/admin/logout")
    assert response.status_code == 400
    assert as_admin.get("/admin/").status_code == 200


# --- throttling ---------------------------------------------------------------------------


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


def _attempt(app, email, password, ip="203.0.113.7"):
    client = app.test_client()
    env = {"REMOTE_ADDR": ip}
    page = client.get("/admin/login", environ_base=env)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=env,
    )


def test_repeated_failures_for_one_account_are_throttled(limited, admin_user):
    """After a few wrong passwords for my account, are further tries refused for a while?"""
    for _ in range(3):
        assert _attempt(limited, "admin@example.com", "wrong password!!").status_code == 401
    blocked = _attempt(limited, "Admin@example.com ", PASSWORD, ip="198.51.100.9")
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Too many failed log-in attempts" in html
    assert "<h1>Too many attempts</h1>" in html
    # Another account is not locked by someone guessing mine.
    assert _attempt(limited, "other@example.com", "wrong password!!").status_code == 401


def test_successful_logins_do_not_count_against_the_limit(limited, admin_user):
    """Do my own successful logins ever lock me out?"""
    for _ in range(5):
        assert _attempt(limited, "admin@example.com", PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(limited, admin_user):
    """Is one address trying many different accounts slowed down too?"""
    for n in range(5):
        assert _attempt(limited, f"guess{n}@example.com", "wrong password!!").status_code == 401
    assert _attempt(limited, "admin@example.com", PASSWORD).status_code == 429
    assert _attempt(limited, "admin@example.com", PASSWORD, ip="192.0.2.1").status_code == 302


# --- cookies and headers ------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(client, admin_user):
    """Is the login cookie out of reach of scripts and cross-site posts?"""
    response = _login_form(client, "admin@example.com", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_on_https_the_session_cookie_is_secure_and_host_prefixed(other_app, admin_user):
    """On an https site, is the login cookie Secure, __Host- prefixed, and does login work?"""
    secure = other_app(SITE_URL="https://status.example.com")
    site = "https://status.example.com"
    client = secure.test_client()
    page = client.get("/admin/login", base_url=site)
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/admin/login",
        base_url=site,
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{site}/admin/login"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-herald=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain=" not in cookie
    assert client.get("/admin/", base_url=site).status_code == 200


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/users", "/admin/settings"])
def test_admin_pages_are_not_cached_or_framed(as_admin, path):
    """Could a shared cache keep an admin page, or another site frame it?"""
    if path == "/admin/login":
        response = Browser(as_admin.client.application.test_client()).get(path)
    else:
        response = as_admin.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
