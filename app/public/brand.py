"""The page's own images: the uploaded logo, and the favicon (uploaded, or Herald's)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, request

from app.public import bp
from app.services.page_images import file_name, get_image

YEAR = "public, max-age=31536000, immutable"
# Without the page's `?v=` the URL may soon show another file: revalidate (an ETag 304).
SHORT = "public, max-age=300, stale-if-error=86400"


def _image(data: bytes, content_type: str, version: str, forever: bool = False) -> Response:
    response = Response(data, mimetype=content_type)
    response.set_etag(version)
    # A URL holding the version (the logo's name, the favicon's ?v=) always means these bytes.
    forever = forever or request.args.get("v") == version
    response.headers["Cache-Control"] = YEAR if forever else SHORT
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)


@bp.route("/brand/<filename>")
def logo(filename: str):
    """The uploaded logo, under a name that holds its version: cached for a year."""
    image = get_image("logo")
    if image is None or file_name(image) != filename:
        abort(404, "No such image: the logo may have been replaced.")
    return _image(image.data, image.content_type, image.version, forever=True)


@bp.route("/favicon.ico")
def favicon():
    image = get_image("favicon")
    if image is not None:
        return _image(image.data, image.content_type, image.version)
    data = Path(current_app.static_folder, "img", "favicon.ico").read_bytes()
    return _image(data, "image/x-icon", "herald-default")
