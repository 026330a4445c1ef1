"""Forms for logging in, managing users and changing one's own password."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import EqualTo, Length

from app.admin.forms import AdminForm, AtMost, Required, enum_choices
from app.models import Role
from app.services.users import MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD

ROLE_CHOICES = enum_choices([Role.MANAGER, Role.ADMIN])


def _email(message: str, **kwargs) -> EmailField:
    return EmailField("Email", [Required(message), AtMost(MAX_EMAIL)], **kwargs)


def _new_password(label: str, message: str, description: str, **kwargs) -> PasswordField:
    length = Length(
        min=MIN_PASSWORD,
        max=MAX_PASSWORD,
        message=f"The password must have between {MIN_PASSWORD} and {MAX_PASSWORD} characters.",
    )
    return PasswordField(label, [Required(message), length], description=description, **kwargs)


class LoginForm(AdminForm):
    email = _email("Enter your email address.")
    password = PasswordField("Password", [Required("Enter your password."), AtMost(MAX_PASSWORD)])
    next = HiddenField()


class ActionForm(AdminForm):
    """A button that changes state: only the CSRF token."""


class AddUserForm(AdminForm):
    # Ids of their own: the users page holds other forms with the same field names.
    email = _email("Enter an email address.", id="new-email")
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MANAGER, id="new-role")
    password = _new_password(
        "Initial password",
        "Enter an initial password.",
        f"At least {MIN_PASSWORD} characters. Share it with them privately.",
        id="new-password",
    )


class RoleForm(AdminForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class PasswordForm(AdminForm):
    password = _new_password(
        "New password",
        "Enter a new password.",
        f"At least {MIN_PASSWORD} characters. Their other sessions end.",
    )


class ChangePasswordForm(AdminForm):
    current_password = PasswordField(
        "Current password", [Required("Enter your current password."), AtMost(MAX_PASSWORD)]
    )
    password = _new_password(
        "New password", "Enter a new password.", f"At least {MIN_PASSWORD} characters."
    )
    confirm = PasswordField(
        "Repeat the new password",
        [
            Required("Repeat the new password."),
            EqualTo("password", "The two new passwords differ."),
        ],
    )
