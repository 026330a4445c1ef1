"""Two-factor login in tests: codes computed with pyotp from the secret Herald stored, as
the user's authenticator app computes them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp

from app.models import User, utcnow
from app.services import two_factor
from tests.conftest import PASSWORD

STEP = timedelta(seconds=30)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def code(secret: str, steps: int = 0) -> str:
    """The app's code now, or `steps` time steps (of 30 s) from now."""
    return code_at(secret, utcnow() + steps * STEP)


def turn_on(user: User, password: str = PASSWORD) -> tuple[str, list[str]]:
    """Enrol `user` as the set-up page does; (the secret, the ten recovery codes).

    Confirmed with the previous time step's code (inside the window), so that the code
    of the current step is still unused for the test's own log-in.
    """
    secret = two_factor.pending_secret(user)
    earlier = utcnow() - STEP
    codes = two_factor.confirm_enrolment(
        user, code=code_at(secret, earlier), password=password, now=earlier
    )
    assert codes is not None
    return secret, codes


def password_step(browser, email: str, password: str = PASSWORD):
    """The first step of logging in (a `tests.conftest.Browser`); on to the code page."""
    response = browser.login_form(email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == "/admin/login/code"
    return browser.read_csrf("/admin/login/code")


def log_in_with_code(browser, email: str, secret: str, steps: int = 0) -> str:
    """Both steps of logging in, with the app's code `steps` time steps from now; the code."""
    password_step(browser, email)
    typed = code(secret, steps)
    response = browser.post("/admin/login/code", {"code": typed})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    browser.read_csrf(response.headers["Location"])
    return typed
