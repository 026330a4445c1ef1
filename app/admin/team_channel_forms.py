"""The form that adds one of the team's own notification channels."""

from __future__ import annotations

from app.admin.forms import AdminForm, choice_field, enum_choices, text_field
from app.delivery.ssrf import MAX_URL
from app.services.team_channels import TEAM_KINDS


class TeamChannelForm(AdminForm):
    service_fields = {"address": "url"}

    kind = choice_field("Kind", enum_choices(TEAM_KINDS), TEAM_KINDS[0].value)
    url = text_field(
        "Webhook URL",
        MAX_URL,
        required="Enter the channel's incoming-webhook URL.",
        description="A Slack or Discord incoming webhook, or any https endpoint (signed "
        "like subscribers' webhooks).",
    )
