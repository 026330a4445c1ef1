"""Forms of two-factor login: the code step of logging in, setting it up, turning it off,
new recovery codes, and the admin's requirement switch.

Each form checks shape only (filled in, not absurdly long); whether a code is right is
the service's answer. Forms that share a page take a `prefix`, so their fields' names
and ids differ ("off-password", "codes-password").
"""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField

from app.admin.forms import AdminForm, AtMost, Required, strip
from app.services.two_factor import MAX_CODE_INPUT
from app.services.users import MAX_PASSWORD

# What an authenticator code field tells the browser: digits on a phone's keyboard, the
# code a phone offers from an SMS or an app (autocomplete), and no spelling fixes.
CODE_INPUT = {
    "inputmode": "numeric",
    "autocomplete": "one-time-code",
    "autocapitalize": "off",
    "spellcheck": "false",
}
RECOVERY_INPUT = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


def _code_field(
    label: str, message: str, description: str | None = None, render_kw=CODE_INPUT
) -> StringField:
    return StringField(
        label,
        [Required(message), AtMost(MAX_CODE_INPUT)],
        filters=[strip],
        description=description,
        render_kw=render_kw,
    )


def _password_field(label: str = "Your password") -> PasswordField:
    return PasswordField(label, [Required("Enter your password."), AtMost(MAX_PASSWORD)])


class CodeForm(AdminForm):
    """The second step of logging in: the code the app shows now."""

    code = _code_field(
        "Authentication code",
        "Enter the 6-digit code from your authenticator app.",
        "The 6-digit code your authenticator app shows for this site.",
    )


class RecoveryLoginForm(AdminForm):
    """The second step of logging in with a recovery code instead (lost phone)."""

    code = _code_field(
        "Recovery code",
        "Enter one of your recovery codes.",
        "One of the ten codes you saved when you set up two-factor login; each works once.",
        RECOVERY_INPUT,
    )


class EnrolForm(AdminForm):
    """Confirms a new authenticator app with its first code, and the password (and, when
    moving from another app, a code of the current one)."""

    code = _code_field(
        "Code from the app",
        "Enter the 6-digit code the app shows after scanning.",
        "The 6-digit code the app shows for Herald once it has the key.",
    )
    password = _password_field()
    current_code = StringField(
        "Code from your current app, or a recovery code",
        [AtMost(MAX_CODE_INPUT)],
        filters=[strip],
        description="Proves it is you: the app you are moving from, or one of your saved codes.",
        render_kw=RECOVERY_INPUT,
    )


class ReauthForm(AdminForm):
    """Proves it is the owner before a change: password and a current code."""

    password = _password_field()
    current_code = _code_field(
        "Code from your app, or a recovery code",
        "Enter the code from your authenticator app, or a recovery code.",
        render_kw=RECOVERY_INPUT,
    )


class RequireForm(AdminForm):
    required = BooleanField(
        "Require two-factor login for everybody",
        description="Users without it are sent to set it up right after their password, "
        "and can do nothing else until they have. API tokens are not affected.",
    )
