"""Admin views: the team's own chat and webhook channels for admin notices. Admins only."""

from __future__ import annotations

from flask import render_template, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.team_channel_forms import TeamChannelForm
from app.admin.user_forms import ActionForm
from app.models import SubscriberKind
from app.services import team_channels
from app.services.subscriber_address import masked


def _page(form: TeamChannelForm | None = None, *, error=None, secret=None):
    return render_template(
        "admin/team_channels.html",
        channels=team_channels.list_channels(),
        masked=masked,
        form=form or TeamChannelForm(formdata=None),
        error=error,
        secret=secret,
    )


@bp.get("/settings/team-channels")
@admin_only
def settings_team_channels():
    return _page()


@bp.post("/settings/team-channels/new")
@admin_only
def settings_team_channel_add():
    form = TeamChannelForm()

    def save():
        channel = team_channels.add_channel(form.kind.data, form.url.data, actor=current_actor())
        if channel.kind == SubscriberKind.WEBHOOK:
            # Shown once, on this page, never stored in a cookie or the log.
            return _page(secret=channel.signing_secret)
        return saved(
            f"The {channel.kind.label} channel now receives the team's notices.",
            url_for("admin.settings_team_channels"),
        )

    return submit(form, save, lambda: _page(form))


@bp.post("/settings/team-channels/<int:channel_id>/remove")
@admin_only
def settings_team_channel_remove(channel_id: int):
    form = ActionForm()

    def save():
        team_channels.remove_channel(channel_id, actor=current_actor())
        return saved("Removed the channel.", url_for("admin.settings_team_channels"))

    return submit(form, save, lambda: _page(error=" ".join(form.messages)))
