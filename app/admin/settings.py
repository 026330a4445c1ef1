"""Admin views: the page's name, links, colour and time zone."""

from __future__ import annotations

from flask import render_template, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.settings_forms import ImagesForm, SettingsForm
from app.services import page, page_images
from app.templating import page_settings


def _settings_page(form: SettingsForm, images: ImagesForm | None = None):
    settings = page_settings()
    if form.accent_color.errors:
        # A colour input only holds #rrggbb: show the saved colour beside the message.
        form.accent_color.data = settings.accent_color
    return render_template(
        "admin/settings.html",
        form=form,
        images=images or ImagesForm(formdata=None),
        logo=page_images.get_image("logo"),
        favicon=page_images.get_image("favicon"),
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    form = SettingsForm(obj=page_settings())
    form.offer_time_zones()

    def save():
        page.update_settings(
            name=form.name.data,
            logo_url=form.logo_url.data,
            accent_color=form.accent_color.data,
            support_url=form.support_url.data,
            time_zone=form.time_zone.data,
            actor=current_actor(),
        )
        return saved("Settings saved.", url_for("admin.settings"))

    return submit(form, save, lambda: _settings_page(form))


@bp.post("/settings/images")
@admin_only
def settings_images():
    images = ImagesForm()
    form = SettingsForm(formdata=None, obj=page_settings())
    form.offer_time_zones()

    def save():
        page_images.update_images(
            uploads={"logo": images.logo.data, "favicon": images.favicon.data},
            remove=images.removals(),
            actor=current_actor(),
        )
        return saved("Logo and favicon saved.", url_for("admin.settings"))

    return submit(images, save, lambda: _settings_page(form, images))
