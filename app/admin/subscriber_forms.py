"""Forms for the subscriber pages: importing a CSV list, and the one-button actions."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField

from app.admin.forms import AdminForm, Required, choices
from app.models import SuppressionReason
from app.services.subscriber_import import MAX_ROWS, ImportMode

IMPORT_MODES = choices(
    [
        (
            ImportMode.SEND_CONFIRMATION.value,
            "Send each new address a confirmation: they receive updates once they confirm",
        ),
        (
            ImportMode.CONFIRMED.value,
            "Confirmed: they agreed elsewhere, and receive updates from now on",
        ),
    ]
)


class ImportForm(AdminForm):
    file = FileField(
        "CSV file",
        [FileRequired("Choose a CSV file to import.")],
        description=(
            "The first line names the columns: email (or address), and optionally kind "
            "(email, webhook, slack, discord), components and groups (names or codes, "
            f"separated by ;). At most {MAX_ROWS:,} lines. An export from this page "
            "imports as it is; its unsubscribed lines are skipped."
        ),
    )
    # The service refuses a made-up mode and names the two it knows.
    mode = RadioField(
        "The new subscribers are",
        [Required("Choose whether the new subscribers are confirmed or asked to confirm.")],
        choices=IMPORT_MODES,
        validate_choice=False,
    )


class RetryForm(AdminForm):
    """A retry button; `back` says which page it was pressed on."""

    back = HiddenField()


class RemoveForm(AdminForm):
    # The service refuses a made-up reason and says what to choose.
    reason = RadioField(
        "Why is it removed?",
        [Required("Choose why the subscriber is removed.")],
        choices=choices(
            [
                (SuppressionReason.REMOVED.value, "They asked to be removed"),
                (SuppressionReason.COMPLAINED.value, "They reported our mail as spam"),
            ]
        ),
        default=SuppressionReason.REMOVED.value,
        validate_choice=False,
    )
