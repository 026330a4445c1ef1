"""Forms for logging in, managing users and the page settings (Flask-WTF, CSRF on all).

The forms check shape (present, not too long); the services check meaning and
have the last word, their messages land on the matching field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, URLField
from wtforms.fields import ColorField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.models import Role
from app.services.page import time_zone_names
from app.services.users import MIN_PASSWORD

ROLE_CHOICES = [
    SelectChoice(Role.MANAGER.value, "Manager"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]
_PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD,
    max=1024,
    message=f"The password must have between {MIN_PASSWORD} and 1024 characters.",
)


class LoginForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)]
    )
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class AddUserForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter an email address."), Length(max=254)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MANAGER.value)
    password = PasswordField(
        "Initial password",
        validators=[DataRequired("Enter an initial password."), _PASSWORD_LENGTH],
        description=f"At least {MIN_PASSWORD} characters. Share it with them privately.",
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class PasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), _PASSWORD_LENGTH],
        description=f"At least {MIN_PASSWORD} characters. Their other sessions end.",
    )


def _http_url(form, field) -> None:
    # The service checks this too; checking here shows every mistake in one go.
    parts = urlsplit((field.data or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{field.label.text} must be an http:// or https:// address.")


def _url_field(label: str, description: str) -> URLField:
    return URLField(
        label,
        validators=[Optional(), Length(max=500, message="At most 500 characters."), _http_url],
        description=description,
    )


class SettingsForm(FlaskForm):
    name = StringField(
        "Page name",
        validators=[
            DataRequired("Enter the page name."),
            Length(max=100, message="At most 100 characters."),
        ],
    )
    url = _url_field("Public URL", "Where visitors reach the status page, e.g. https://status…")
    logo_url = _url_field("Logo URL", "An image shown instead of the page name. Optional.")
    accent_color = ColorField(
        "Accent colour",
        validators=[
            DataRequired("Pick an accent colour."),
            Regexp(r"^#[0-9a-fA-F]{6}$", message="Accent colour must look like #1f6feb."),
        ],
    )
    support_url = _url_field("Support URL", "Linked from the page header. Optional.")
    # Checked below and by the service, with a message in plain words.
    time_zone = SelectField("Display time zone", validate_choice=False)

    def validate_time_zone(self, field) -> None:
        if field.data not in time_zone_names():
            raise ValidationError("Time zone must be an IANA name such as Europe/Paris.")
