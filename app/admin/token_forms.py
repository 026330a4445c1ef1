"""The form that creates an API token."""

from __future__ import annotations

import secrets

from wtforms import HiddenField, SelectField

from app.admin.forms import AdminForm, choices, text_field
from app.admin.user_forms import ROLE_CHOICES
from app.models import Role
from app.services.api_tokens import MAX_NAME

EXPIRY_DAYS = choices(
    [
        ("", "Never"),
        ("7", "In 7 days"),
        ("30", "In 30 days"),
        ("90", "In 90 days"),
        ("365", "In a year"),
    ]
)


class TokenForm(AdminForm):
    name = text_field(
        "Name",
        MAX_NAME,
        required="Name the token after what will use it.",
        description="What will use it, e.g. “Deploy pipeline” or “Alertmanager”.",
    )
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        default=Role.MANAGER,
        description="Managers run incidents, maintenance and components; admins also "
        "manage subscribers.",
    )
    expires = SelectField("Expires", choices=EXPIRY_DAYS, default="")
    # New with each form shown: the same value sent twice is one form sent twice (a reload
    # of the answer, or Back and resend), which must not make a second token.
    once = HiddenField(default=lambda: secrets.token_urlsafe(12))
