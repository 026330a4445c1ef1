"""Admin views: the Embed page (snippets to copy, with options and a live preview)."""

from __future__ import annotations

from flask import abort, current_app, render_template

from app.admin import bp
from app.admin.embed_forms import EmbedForm
from app.services import components as component_service
from app.services.embed import EmbedOptions, Snippet, snippets
from app.services.errors import Invalid
from app.site import site_url
from app.templating import page_settings

# The preview pages are framed by the Embed page, and only by it. Their styles may sit in
# attributes: the iframe snippet carries style="border:0;…", and the preview runs it as pasted.
PREVIEW_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
PREVIEWS = {"embed-script", "embed-iframe"}


def public_address() -> str:
    """Where a pasted snippet loads Herald from: the site's public address."""
    return site_url()


def _choices():
    """The form, read from the query string; the options, or the defaults when refused."""
    components = component_service.list_components()
    form = EmbedForm.from_query(components)
    options = EmbedOptions()
    if form.validate():
        try:
            options = form.options(components)
        except Invalid as exc:
            form.add_error(exc.message, exc.field)
    return form, options


def _as_query(options: EmbedOptions) -> dict[str, str]:
    """The options as the preview pages read them back."""
    return {name: value for name, value in vars(options).items() if value}


@bp.get("/embed")
def embed():
    form, options = _choices()
    name = page_settings().name
    page = render_template(
        "admin/embed.html",
        form=form,
        options=options,
        snippets=snippets(public_address(), name, options),
        # The previews load this server, whatever the public address says.
        previews={s.id: s.code for s in snippets("", name, options, preview=True)},
        preview_args=_as_query(options),
    )
    return (page, 400) if form.messages else page


@bp.get("/embed/preview/<snippet_id>")
def embed_preview(snippet_id: str):
    """A stand-in for the page that pastes a snippet, framed by the Embed page."""
    if snippet_id not in PREVIEWS:
        abort(404, "No such preview.")
    form, options = _choices()
    chosen: Snippet = next(
        s for s in snippets("", page_settings().name, options, preview=True) if s.id == snippet_id
    )
    response = current_app.make_response(
        render_template("admin/embed_preview.html", snippet=chosen, options=options)
    )
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
