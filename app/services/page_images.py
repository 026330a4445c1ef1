"""The uploaded logo and favicon: what is accepted, stored and served.

An upload is judged by its content, never its name: Pillow reads the header, the
size is checked before anything is decoded (a small file can claim a huge image),
then the whole image is decoded once to prove it is complete. SVG is refused: it
is a document that can carry scripts and links, not just a picture.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from app.extensions import db
from app.models import PageImage, PageSettings, utcnow
from app.services import audit
from app.services.errors import Invalid, NotFound
from app.services.page import SETTINGS_ID, bump_version
from app.services.tx import locked, transactional

KINDS = ("logo", "favicon")
# Pillow's format name → the Content-Type Herald serves it with.
FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "ICO": "image/x-icon",
}
# The file name extension of each type: a static mirror's web server types files by it.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/x-icon": "ico"}
ACCEPTED = "PNG, JPEG, WebP or ICO"


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    max_side: int  # pixels, each of width and height


LIMITS = {
    # A header logo is shown at most a few hundred pixels wide; room for 2x screens.
    "logo": Limit(max_bytes=512 * 1024, max_side=2048),
    "favicon": Limit(max_bytes=128 * 1024, max_side=512),
}


@dataclass(frozen=True)
class ImageFile:
    content_type: str
    width: int
    height: int


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head


def inspect_image(data: bytes | None, kind: str) -> ImageFile:
    """What `data` is, if it is an image Herald accepts as the `kind`; else Invalid."""
    what = "logo" if kind == "logo" else "favicon"
    limit = LIMITS[kind]
    if not data:
        raise Invalid(f"Choose an image file for the {what}.", kind)
    if len(data) > limit.max_bytes:
        raise Invalid(
            f"The {what} file is too large ({_kb(len(data))}); at most {_kb(limit.max_bytes)}.",
            kind,
        )
    if _looks_like_svg(data):
        raise Invalid(
            f"SVG images are not accepted (they can carry scripts): upload {ACCEPTED}.", kind
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, on images with very many pixels: refuse at once.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found, (width, height) = image.format, image.size
                if found in FORMATS and max(width, height) <= limit.max_side:
                    image.load()  # decode it all: a truncated or damaged file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid(
            f"The {what} has far too many pixels; at most {limit.max_side}×{limit.max_side}.",
            kind,
        ) from exc
    except UnidentifiedImageError as exc:
        raise Invalid(
            f"The {what} must be a {ACCEPTED} image; this file is not one, whatever its name.",
            kind,
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise Invalid(f"The {what} file is damaged or incomplete.", kind) from exc
    if found not in FORMATS:
        raise Invalid(f"The {what} must be a {ACCEPTED} image; this file is {found}.", kind)
    if max(width, height) > limit.max_side:
        raise Invalid(
            f"The {what} is {width}×{height} pixels; at most {limit.max_side}×{limit.max_side}.",
            kind,
        )
    return ImageFile(FORMATS[found], width, height)


def file_name(image: PageImage) -> str:
    """The name the image is served under, e.g. "logo-1a2b3c4d5e6f7a8b.png"."""
    return f"{image.kind}-{image.version}.{EXTENSIONS[image.content_type]}"


def get_image(kind: str) -> PageImage | None:
    return db.session.get(PageImage, kind) if kind in KINDS else None


def _settings() -> PageSettings:
    try:
        return locked(PageSettings, SETTINGS_ID, missing="")
    except NotFound:
        settings = PageSettings(id=SETTINGS_ID, version=1)
        db.session.add(settings)
        return settings


@transactional
def update_images(
    *,
    uploads: dict[str, bytes | None],
    remove: tuple[str, ...] = (),
    actor,
) -> PageSettings:
    """Store each uploaded image (by kind) and forget those in `remove`: all, or nothing
    when any upload is refused."""
    checked = {kind: (data, inspect_image(data, kind)) for kind, data in uploads.items() if data}
    settings = _settings()
    changed = {}
    for kind in KINDS:
        column = f"{kind}_image"
        if kind in checked:
            data, found = checked[kind]
            version = hashlib.sha256(data).hexdigest()[:16]
            row = db.session.get(PageImage, kind) or PageImage(kind=kind)
            row.content_type, row.data, row.version = found.content_type, data, version
            row.width, row.height, row.updated_at = found.width, found.height, utcnow()
            db.session.add(row)
            changed[kind] = f"{found.content_type} {found.width}×{found.height}"
            setattr(settings, column, file_name(row) if kind == "logo" else version)
        elif kind in remove and getattr(settings, column):
            row = db.session.get(PageImage, kind)
            if row is not None:
                db.session.delete(row)
            changed[kind] = "removed"
            setattr(settings, column, None)
    if changed:
        db.session.flush()
        bump_version()
        audit.record(actor, "settings.images", "page", SETTINGS_ID, changed=changed)
    return settings
