"""Logging in and out: one generic error, throttled failures, sessions that end on the server."""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.pending_login import pending_login, start_pending_login
from app.admin.user_forms import LoginForm
from app.extensions import limiter
from app.services import users

LOGIN_FAILED = "Incorrect email or password."
# A failed attempt answers 401; only those count against the limits.
_FAILED = 401
_ACCOUNT_SCOPE = "login-account"
_ADDRESS_SCOPE = "login-ip"


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refuses anything a browser could read as another origin: a scheme or a
    host (`https://evil`, `javascript:`, `//evil`), backslashes (`/\\evil` is
    `//evil` to browsers) and control characters (browsers drop some of them).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _account_key() -> str:
    # Empty for a form without an email: Flask-Limiter then skips this limit,
    # and the per-IP limit still applies. A known account's count is kept per
    # password epoch, so the lock ends the moment an admin sets a new password.
    # The code step counts on the same account as the password step before it.
    pending = pending_login() if request.endpoint != "admin.login" else None
    email = pending.user.email if pending else _account(request.form.get("email"))
    epoch = users.lockout_epoch(email) if email else ""
    return f"{email}#{epoch}" if epoch else email


def _account(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def _throttled() -> str:
    """The 429 message: which lock holds, how long it lasts, and what else lifts it."""
    breached = [limit for limit in limiter.current_limits if limit.breached]
    scopes = {limit.request_args[-1].rsplit(":", 1)[-1] for limit in breached}
    ends = max((limit.reset_at for limit in breached), default=time.time() + 60)
    # Storages round the reset up by a second or two; 15:01 left still reads "15 minutes".
    minutes = max(1, math.ceil((ends - time.time() - 5) / 60))
    wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}"
    if _ADDRESS_SCOPE in scopes:
        return (
            f"Too many failed log-in attempts from your network address. {wait}; "
            "until then no account can log in from it."
        )
    return (
        f"Too many failed log-in attempts for this account. {wait}, or ask an admin to "
        "set a new password for you: that lifts the lock at once."
    )


def _failed(response) -> bool:
    return response.status_code == _FAILED


def _limit_for(name: str):
    return lambda: current_app.config[name]


def begin_session(user) -> None:
    """Log `user` in on a new session: nothing set before it (by anyone) carries over,
    not even the CSRF token, which the next page issues afresh."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)


# Failed log-ins, counted per account and per address alike by the password step and
# the code step after it: a wrong code costs as much as a wrong password.
login_limits = (
    limiter.shared_limit(
        _limit_for("LOGIN_FAILURES_PER_ACCOUNT"),
        _ACCOUNT_SCOPE,
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_throttled,
    ),
    limiter.shared_limit(
        _limit_for("LOGIN_FAILURES_PER_IP"),
        _ADDRESS_SCOPE,
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_throttled,
    ),
)


def login_limited(view):
    """Count `view`'s failed log-ins (401 answers) against both limits."""
    for limit in reversed(login_limits):
        view = limit(view)
    return view


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next_url(form.next.data) or url_for("admin.dashboard")
    if current_user.is_authenticated and not form.is_submitted():
        return redirect(destination)

    def save():
        user = users.authenticate(form.email.data, form.password.data)
        if user is None:
            return login_page(form, LOGIN_FAILED), _FAILED
        if user.two_factor_enabled:
            users.refresh_password_hash(user, form.password.data)
            # Not logged in yet: a signed note of who passed the password step, for a while.
            start_pending_login(user, destination)
            return redirect(url_for("admin.login_code"))
        users.record_login(user, form.password.data)
        begin_session(user)
        # When two-factor is required of everybody, the guard sends them to set it up.
        return redirect(destination)

    return submit(form, save, lambda: login_page(form))


def login_page(form: LoginForm, error: str | None = None):
    return render_template("admin/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    # The guard let only a logged-in user in, and CSRFProtect checked the token.
    if current_user.is_authenticated:
        # Rotates the token in every login cookie of this user: a copied one stops working.
        users.end_sessions(current_actor())
    logout_user()
    session.clear()
    return saved("You have logged out.", url_for("admin.login"))
