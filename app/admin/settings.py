"""Admin views: the page's name, links, colour and time zone, and the embed snippets."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import escape

from app.admin import admin_only, bp
from app.admin.account_forms import SettingsForm
from app.services import page
from app.services.errors import Invalid
from app.templating import page_settings

# The services name fields as a person reads them; the form names them as attributes.
_FIELDS = {
    "page name": "name",
    "public URL": "url",
    "logo URL": "logo_url",
    "accent colour": "accent_color",
    "support URL": "support_url",
    "time_zone": "time_zone",
}


def embed_snippets(site_url: str, page_name: str) -> list[tuple[str, str, str]]:
    """(id, label, HTML to paste) for the script, iframe and badge embeds of this site."""
    base = site_url.rstrip("/")
    title = f"{page_name}: current status"
    return [
        (
            "embed-script",
            "Script tag: shows a small notice on your site while something is wrong",
            f'<script src="{base}/embed/script.js" async></script>',
        ),
        (
            "embed-iframe",
            "Iframe: a small status card",
            f'<iframe src="{base}/embed/frame" title="{_attr(title)}" '
            f'width="340" height="200"></iframe>',
        ),
        (
            "embed-badge",
            "Badge: an image with the current status",
            f'<img src="{base}/badge.svg" alt="{_attr(title)}">',
        ),
    ]


def _attr(value: str) -> str:
    return str(escape(value))


def _render(form: SettingsForm, status: int = 200):
    settings = page_settings()
    if form.accent_color.errors:
        # A colour input only holds #rrggbb: show the saved colour beside the message.
        form.accent_color.data = settings.accent_color
    return (
        render_template(
            "admin/settings.html",
            form=form,
            snippets=embed_snippets(current_app.config["SITE_URL"], settings.name),
        ),
        status,
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    current = page_settings()
    form = SettingsForm(obj=current)
    form.time_zone.choices = page.time_zone_names()
    if form.time_zone.data and form.time_zone.data not in form.time_zone.choices:
        # A zone saved before tzdata dropped it stays visible, so it can be changed.
        form.time_zone.choices = [form.time_zone.data, *form.time_zone.choices]
    if not form.is_submitted():
        return _render(form)
    if form.validate_on_submit():
        try:
            page.update_settings(
                name=form.name.data,
                url=form.url.data,
                logo_url=form.logo_url.data,
                accent_color=form.accent_color.data,
                support_url=form.support_url.data,
                time_zone=form.time_zone.data,
                actor=current_user._get_current_object(),
            )
        except Invalid as exc:
            field = getattr(form, _FIELDS.get(exc.field or "", ""), None)
            if field is None:
                form.form_errors.append(exc.message)
            else:
                field.errors = [*field.errors, exc.message]
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"))
    return _render(form, 400)
