"""Admin view: require two-factor login of everybody. Admins only.

A form and route of their own beside the page settings (as the uptime setting has); the
settings page shows this one through the template global `two_factor_setting()`.
"""

from __future__ import annotations

from flask import g, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.settings import _settings_page
from app.admin.settings_forms import SettingsForm
from app.admin.two_factor_forms import RequireForm
from app.services import two_factor, users
from app.templating import page_settings


@bp.app_template_global()
def two_factor_setting() -> dict:
    """The requirement form the settings page shows, and who would be sent to set it up."""
    form = g.get("refused_two_factor_form") or RequireForm(
        required=bool(page_settings().require_two_factor)
    )
    return {"form": form, "without": two_factor.users_without(users.list_users())}


@bp.route("/settings/two-factor", methods=["POST"])
@admin_only
def two_factor_required():
    form = RequireForm()

    def save():
        required = two_factor.set_required(bool(form.required.data), actor=current_actor())
        said = (
            "Two-factor login is required: users without it set it up when they next open a page."
            if required
            else "Two-factor login is optional again."
        )
        return saved(said, url_for("admin.settings"))

    def show():
        g.refused_two_factor_form = form
        settings_form = SettingsForm(obj=page_settings())
        settings_form.offer_time_zones()
        return _settings_page(settings_form)

    return submit(form, save, show)
