"""Admin views: the page's name, links, colour and time zone, and the embed snippets."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from markupsafe import escape

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.settings_forms import SettingsForm
from app.services import page
from app.templating import page_settings


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


def _settings_page(form: SettingsForm):
    settings = page_settings()
    if form.accent_color.errors:
        # A colour input only holds #rrggbb: show the saved colour beside the message.
        form.accent_color.data = settings.accent_color
    return render_template(
        "admin/settings.html",
        form=form,
        snippets=embed_snippets(current_app.config["SITE_URL"], settings.name),
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    form = SettingsForm(obj=page_settings())
    form.offer_time_zones()

    def save():
        page.update_settings(
            name=form.name.data,
            url=form.url.data,
            logo_url=form.logo_url.data,
            accent_color=form.accent_color.data,
            support_url=form.support_url.data,
            time_zone=form.time_zone.data,
            actor=current_actor(),
        )
        return saved("Settings saved.", url_for("admin.settings"))

    return submit(form, save, lambda: _settings_page(form))
