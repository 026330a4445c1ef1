"""The page's accent colour as a stylesheet, so the CSP needs no inline styles."""

from flask import Response

from app.public import bp
from app.services.page import text_colour_on
from app.templating import page_settings, settings_are_fallback


@bp.route("/theme.css")
def theme_css():
    colour = page_settings().accent_color
    css = f":root {{ --accent: {colour}; --accent-text: {text_colour_on(colour)}; }}\n"
    response = Response(css, mimetype="text/css")
    if settings_are_fallback():
        # Stand-in colours while the database is away: not to be kept under this version.
        response.headers["Cache-Control"] = "no-cache"
    else:
        # The URL carries ?v=<accent colour>, all this depends on, so it can be cached for
        # long; and pages (the static mirror's too) do not change with every page version.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
