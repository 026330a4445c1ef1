"""Admin views: my account — who I am, my password, my sessions. Any logged-in user."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.admin import bp
from app.extensions import limiter
from app.services import users
from app.services.errors import Invalid
from app.services.users import MIN_PASSWORD


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=1024)],
    )
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD,
                max=1024,
                message=f"The new password must have between {MIN_PASSWORD} and 1024 characters.",
            ),
        ],
        description=f"At least {MIN_PASSWORD} characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("password", "The two new passwords differ."),
        ],
    )


def _me():
    return current_user._get_current_object()


def _account_page(form: ChangePasswordForm | None = None, status: int = 200):
    return (
        render_template(
            "admin/account.html",
            form=form or ChangePasswordForm(formdata=None),
        ),
        status,
    )


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else ""


def _refused(response) -> bool:
    return response.status_code == 400


@bp.get("/account")
def account():
    return _account_page()


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
    if form.validate_on_submit():
        try:
            user = users.change_own_password(_me(), form.current_password.data, form.password.data)
        except Invalid as exc:
            field = getattr(form, exc.field or "", None)
            if field is None:
                form.form_errors.append(exc.message)
            else:
                field.errors = [*field.errors, exc.message]
        else:
            # The change ended every session of this user; this browser starts a fresh
            # one on the new token, and nothing from the old session carries over.
            session.clear()
            g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
            login_user(user)
            flash("Your password is changed; your other sessions have ended.", "success")
            return redirect(url_for("admin.account"))
    return _account_page(form, 400)


@bp.post("/account/sessions/end")
def account_sessions_end():
    # The guard let only a logged-in user in, and CSRFProtect checked the token.
    users.end_sessions(_me())
    logout_user()
    session.clear()
    flash("You have logged out everywhere, on this device too.", "success")
    return redirect(url_for("admin.login"))
