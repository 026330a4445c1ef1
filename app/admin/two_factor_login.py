"""The second step of logging in: a code from the authenticator app, or a recovery code.

Reached only with a pending log-in (app/admin/pending_login.py); the same limits as the
password step count each wrong code, on the same account and address.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.admin import bp
from app.admin.auth import begin_session, login_limited, login_page
from app.admin.forms import submit
from app.admin.pending_login import NOT_STARTED, PendingLogin, pending_login, pending_problem
from app.admin.two_factor_forms import CodeForm, RecoveryLoginForm
from app.admin.user_forms import LoginForm
from app.services import two_factor


def _without_pending_login():
    """No log-in is waiting: back to the password form, saying why (400 for a form sent)."""
    if request.method == "GET" and pending_problem() == NOT_STARTED:
        return redirect(url_for("admin.login"))
    return login_page(LoginForm(formdata=None), pending_problem()), 400


def _logged_in(pending: PendingLogin):
    begin_session(pending.user)
    return redirect(pending.next_url or url_for("admin.dashboard"))


@bp.route("/login/code", methods=["GET", "POST"])
@login_limited
def login_code():
    pending = pending_login()
    if pending is None:
        return _without_pending_login()
    form = CodeForm()

    def save():
        two_factor.log_in_with_code(pending.user, form.code.data)
        return _logged_in(pending)

    return submit(form, save, lambda: render_template("admin/login_code.html", form=form))


@bp.route("/login/recovery", methods=["GET", "POST"])
@login_limited
def login_recovery():
    pending = pending_login()
    if pending is None:
        return _without_pending_login()
    form = RecoveryLoginForm()

    def save():
        left = two_factor.log_in_with_recovery_code(pending.user, form.code.data)
        response = _logged_in(pending)
        low = left <= two_factor.LOW_ON_RECOVERY_CODES
        flash(_codes_left(left), "warning" if low else "success")
        return response

    return submit(form, save, lambda: render_template("admin/login_recovery.html", form=form))


def _codes_left(left: int) -> str:
    said = f"You logged in with a recovery code; it no longer works. {left} left."
    if left <= two_factor.LOW_ON_RECOVERY_CODES:
        said += " Generate new ones on My account before you run out."
    return said
