"""The page's own images: the uploaded logo, and the favicon (uploaded, or Herald's)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, request

from app.public import bp
from app.services.page_images import get_image

YEAR = "public, max-age=31536000, immutable"
# Without the page's `?v=` the URL may soon show another file: revalidate (an ETag 304).
SHORT = "public, max-age=300"


def _image(data: bytes, content_type: str, version: str) -> Response:
    response = Response(data, mimetype=content_type)
    response.set_etag(version)
    # Links from the pages carry ?v=<version>: that URL always means these bytes.
    response.headers["Cache-Control"] = YEAR if request.args.get("v") == version else SHORT
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)


@bp.route("/brand/logo")
def logo():
    image = get_image("logo")
    if image is None:
        abort(404, "No logo has been uploaded.")
    return _image(image.data, image.content_type, image.version)


@bp.route("/favicon.ico")
def favicon():
    image = get_image("favicon")
    if image is not None:
        return _image(image.data, image.content_type, image.version)
    data = Path(current_app.static_folder, "img", "favicon.ico").read_bytes()
    return _image(data, "image/x-icon", "herald-default")
