"""Admin view: whether uptime counts scheduled maintenance as downtime.

A form and route of their own beside the page settings, so that form stays as it is;
the settings page shows this one through the template global `uptime_setting_form()`.
"""

from __future__ import annotations

from flask import g, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.settings import _settings_page
from app.admin.settings_forms import SettingsForm, UptimeSettingsForm
from app.services import page
from app.templating import page_settings


@bp.app_template_global()
def uptime_setting_form() -> UptimeSettingsForm:
    """The uptime form the settings page shows: the one just refused, else the saved value."""
    refused = g.get("refused_uptime_form")
    if refused is not None:
        return refused
    counts = bool(page_settings().count_maintenance_as_downtime)
    return UptimeSettingsForm(count_maintenance=counts)


@bp.route("/settings/uptime", methods=["POST"])
@admin_only
def uptime_settings():
    form = UptimeSettingsForm()

    def save():
        counts = bool(form.count_maintenance.data)
        page.set_maintenance_counting(counts, actor=current_actor())
        said = "counts as downtime" if counts else "counts as up"
        return saved(f"Saved: scheduled maintenance {said}.", url_for("admin.settings"))

    def show():
        g.refused_uptime_form = form
        settings_form = SettingsForm(obj=page_settings())
        settings_form.offer_time_zones()
        return _settings_page(settings_form)

    return submit(form, save, show)
