"""Logging in with two-factor on: the password, then a code from the app (or a recovery
code); wrong, replayed and malformed codes; a pending log-in that expires."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import AuditEvent
from tests.conftest import PASSWORD, Browser
from tests.two_factor_helpers import code, log_in_with_code, password_step, turn_on

CODE_PAGE = "/admin/login/code"
RECOVERY_PAGE = "/admin/login/recovery"


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def enrolled(app, manager_user):
    """The manager, with two-factor on: (their secret, their recovery codes)."""
    return turn_on(manager_user)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


def _logged_in(browser: Browser) -> bool:
    return browser.get("/admin/").status_code == 200


def _wrong(secret: str) -> str:
    right = {code(secret, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def test_the_password_alone_does_not_log_in(enrolled, browser, manager_user):
    """With two-factor on, does the right password lead to the code page — and not into
    the admin side?"""
    password_step(browser, manager_user.email)
    assert not _logged_in(browser)
    page = _text(browser.get(CODE_PAGE))
    assert '<label for="code">Authentication code</label>' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert 'href="/admin/login/recovery"' in page


def test_the_code_from_the_app_logs_in(enrolled, browser, manager_user):
    """After the password, does the code my app shows log me in where I was going?"""
    secret, _ = enrolled
    browser.read_csrf("/admin/login?next=/admin/incidents")
    first = browser.post(
        "/admin/login?next=/admin/incidents",
        {"email": manager_user.email, "password": PASSWORD, "next": "/admin/incidents"},
    )
    assert first.headers["Location"] == CODE_PAGE
    browser.read_csrf(CODE_PAGE)
    answer = browser.post(CODE_PAGE, {"code": code(secret)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/incidents"
    assert _logged_in(browser)
    login = db.session.query(AuditEvent).filter_by(action="user.login").one()
    assert login.details == {"second_factor": "authenticator app"}


def test_a_wrong_code_is_refused_with_401(enrolled, browser, manager_user):
    secret, _ = enrolled
    password_step(browser, manager_user.email)
    answer = browser.post(CODE_PAGE, {"code": _wrong(secret)})
    assert answer.status_code == 401
    assert "That code is not right." in _text(answer)
    assert 'aria-invalid="true"' in _text(answer)
    assert not _logged_in(browser)


def test_a_code_that_logged_in_once_is_refused_the_second_time(app, enrolled, manager_user):
    """Can someone who saw my code (over my shoulder, in a log) use it again in its 30 s?"""
    secret, _ = enrolled
    mine, theirs = Browser(app.test_client()), Browser(app.test_client())
    password_step(mine, manager_user.email)
    password_step(theirs, manager_user.email)
    seen = code(secret)
    assert mine.post(CODE_PAGE, {"code": seen}).status_code == 302
    replayed = theirs.post(CODE_PAGE, {"code": seen})
    assert replayed.status_code == 401
    assert "That code was used already." in _text(replayed)
    assert not _logged_in(theirs)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app."),
        ("abcdef", "The code is 6 digits (0–9)"),
        ("12 34 5", "The code is 6 digits (0–9)"),
        ("9" * 41, "too long"),
        ("1" * 5000, "too long"),
    ],
)
def test_what_cannot_be_a_code_is_refused_with_400(enrolled, browser, manager_user, typed, message):
    """Is a code that cannot be one answered with 400 and a reason, never a 500?"""
    password_step(browser, manager_user.email)
    answer = browser.post(CODE_PAGE, {"code": typed})
    assert answer.status_code == 400
    assert message in _text(answer)
    assert not _logged_in(browser)


def test_a_recovery_code_logs_in_once(app, enrolled, manager_user):
    """Without my phone, does a recovery code log me in, say how many are left, and then
    no longer work?"""
    _, codes = enrolled
    browser = Browser(app.test_client())
    password_step(browser, manager_user.email)
    browser.read_csrf(RECOVERY_PAGE)
    answer = browser.post(RECOVERY_PAGE, {"code": codes[0]})
    assert answer.status_code == 302
    landing = browser.read_csrf(answer.headers["Location"])
    assert "You logged in with a recovery code; it no longer works. 9 left." in _text(landing)
    login = db.session.query(AuditEvent).filter_by(action="user.login").one()
    assert login.details == {"second_factor": "recovery code"}

    again = Browser(app.test_client())
    password_step(again, manager_user.email)
    again.read_csrf(RECOVERY_PAGE)
    refused = again.post(RECOVERY_PAGE, {"code": codes[0]})
    assert refused.status_code == 401
    assert "That recovery code is not right, or it was used already." in _text(refused)
    for typed, status in [("not a code", 400), ("x" * 100, 400), ("", 400)]:
        assert again.post(RECOVERY_PAGE, {"code": typed}).status_code == status


def test_few_recovery_codes_left_is_a_warning(app, enrolled, manager_user):
    _, codes = enrolled
    for spent in codes[:7]:
        browser = Browser(app.test_client())
        password_step(browser, manager_user.email)
        browser.read_csrf(RECOVERY_PAGE)
        landing = browser.post(RECOVERY_PAGE, {"code": spent}, follow_redirects=True)
    assert "3 left. Generate new ones on My account before you run out." in _text(landing)
    assert "flash-warning" in _text(landing)


def _pending_signed_ago(app, user, seconds: int) -> str:
    """A pending log-in as the password step writes it, but signed `seconds` ago."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="herald.two-factor-pending", signer=Earlier
    )
    return serializer.dumps({"user": user.id, "token": user.session_token, "next": "/admin/"})


def test_a_pending_log_in_expires_after_five_minutes(app, enrolled, browser, manager_user):
    """If I leave the code page for more than five minutes, am I told to log in again (400),
    and does even the right code no longer work?"""
    secret, _ = enrolled
    password_step(browser, manager_user.email)
    with browser.client.session_transaction() as session:
        session["two_factor_pending"] = _pending_signed_ago(app, manager_user, 301)
    answer = browser.post(CODE_PAGE, {"code": code(secret)})
    assert answer.status_code == 400
    assert "More than five minutes passed since you entered your password" in _text(answer)
    assert '<label for="email">Email</label>' in _text(answer)
    assert browser.get(CODE_PAGE).status_code == 400
    assert not _logged_in(browser)


def test_a_forged_pending_log_in_is_refused(app, enrolled, browser, manager_user):
    """Can someone write themselves a pending log-in without the password?"""
    secret, _ = enrolled
    browser.read_csrf("/admin/login")
    with browser.client.session_transaction() as session:
        session["two_factor_pending"] = f"{manager_user.id}.forged.signature"
    answer = browser.post(CODE_PAGE, {"code": code(secret)})
    assert answer.status_code == 400
    assert "Enter your email and password first." in _text(answer)
    assert not _logged_in(browser)


def test_a_password_change_meanwhile_ends_the_pending_log_in(app, enrolled, browser, manager_user):
    """If an admin sets my password between my two steps, must I start again?"""
    from app.services import users

    secret, _ = enrolled
    password_step(browser, manager_user.email)
    users.set_password(manager_user, "a brand new passphrase", actor="test")
    answer = browser.post(CODE_PAGE, {"code": code(secret)})
    assert answer.status_code == 400
    assert "This log-in was ended meanwhile" in _text(answer)


def test_logging_in_again_on_the_code_page_needs_the_next_code(app, enrolled, manager_user):
    """Having logged in with this step's code, can I log in elsewhere with the next one?"""
    secret, _ = enrolled
    log_in_with_code(Browser(app.test_client()), manager_user.email, secret, 0)
    second = Browser(app.test_client())
    log_in_with_code(second, manager_user.email, secret, 1)
    assert _logged_in(second)


def test_without_two_factor_the_password_is_enough(app, browser, manager_user):
    """Does a user without two-factor log in as before, in one step?"""
    answer = browser.login_form(manager_user.email)
    assert answer.headers["Location"] == "/admin/"
    assert _logged_in(browser)
