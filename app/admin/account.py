"""Admin views: my account — who I am, my password, my sessions, my two-factor login (its
changes are in app/admin/two_factor.py). Any logged-in user."""

from __future__ import annotations

from flask import current_app, render_template, session, url_for
from flask_login import current_user, logout_user

from app.admin import bp, current_actor
from app.admin.auth import begin_session
from app.admin.forms import saved, submit
from app.admin.two_factor_forms import ReauthForm
from app.admin.user_forms import ChangePasswordForm
from app.extensions import limiter
from app.services import two_factor, users


def account_page(
    form: ChangePasswordForm | None = None,
    *,
    disable_form: ReauthForm | None = None,
    codes_form: ReauthForm | None = None,
):
    """My account, with the form that was just refused (if any) in its place."""
    user = current_actor()
    return render_template(
        "admin/account.html",
        form=form or ChangePasswordForm(formdata=None),
        disable_form=disable_form or ReauthForm(formdata=None, prefix="off"),
        codes_form=codes_form or ReauthForm(formdata=None, prefix="codes"),
        codes_left=two_factor.recovery_codes_left(user) if user.two_factor_enabled else 0,
        low_on_codes=two_factor.LOW_ON_RECOVERY_CODES,
        required=two_factor.is_required(),
    )


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else ""


def _refused(response) -> bool:
    return response.status_code == 400


@bp.get("/account")
def account():
    return account_page()


@bp.post("/account/password")
# A stolen session must not become a way to guess the password: failures count.
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
    key_func=_user_key,
    deduct_when=_refused,
    scope="account-password",
)
def account_password():
    form = ChangePasswordForm()

    def save():
        user = users.change_own_password(
            current_actor(), form.current_password.data, form.password.data
        )
        # The change ended every session of this user; this browser starts a fresh one.
        begin_session(user)
        return saved(
            "Your password is changed; your other sessions have ended.", url_for("admin.account")
        )

    return submit(form, save, lambda: account_page(form))


@bp.post("/account/sessions/end")
def account_sessions_end():
    # The guard let only a logged-in user in, and CSRFProtect checked the token.
    users.end_sessions(current_actor())
    logout_user()
    session.clear()
    return saved("You have logged out everywhere, on this device too.", url_for("admin.login"))
