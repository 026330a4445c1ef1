"""Uploading the logo and the favicon, and how Herald serves them."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.services.page import get_settings
from app.services.page_images import get_image


def image_bytes(fmt: str, size=(120, 40), mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (31, 111, 235) if mode == "RGB" else 0).save(buffer, fmt, **options)
    return buffer.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(browser, **files):
    """Post files (name=(content, filename)) and the CSRF token to the images form."""
    values = {"csrf_token": browser.csrf}
    for name, (content, filename) in files.items():
        values[name] = FileStorage(io.BytesIO(content), filename=filename, name=name)
    # Encoded in memory: the test client would spool a body over 500 KB to a temporary
    # file that nothing closes.
    stream, _, boundary = stream_encode_multipart(values, use_tempfile=False)
    return browser.client.post(
        "/admin/settings/images",
        data=stream.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _settings():
    db.session.expire_all()
    return get_settings()


def test_uploaded_logo_is_shown_and_served_with_long_caching(as_admin, client):
    """After I upload a PNG logo, does the page show it, served by Herald with its type, an
    ETag and a year's caching under the page's link?"""
    png = image_bytes("PNG")
    response = upload(as_admin, logo=(png, "acme.png"))
    assert response.status_code == 302
    name = _settings().logo_image
    assert re.fullmatch(r"logo-[0-9a-f]{16}\.png", name)
    version = name[5:21]

    page = client.get("/").get_data(as_text=True)
    assert f'<img src="/brand/{name}" alt="Herald Status" class="logo">' in page
    served = client.get(f"/brand/{name}")
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.get_data() == png
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["ETag"] == f'"{version}"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(f"/brand/{name}", headers={"If-None-Match": f'"{version}"'})
    assert again.status_code == 304
    assert client.get("/brand/logo-0000000000000000.png").status_code == 404, "an old name"


@pytest.mark.parametrize(
    ("fmt", "filename", "content_type"),
    [
        ("JPEG", "photo.jpg", "image/jpeg"),
        ("WEBP", "logo.webp", "image/webp"),
        ("JPEG", "disguised.png", "image/jpeg"),  # the content decides, not the name
    ],
)
def test_jpeg_and_webp_logos_are_served_as_what_they_are(
    as_admin, client, fmt, filename, content_type
):
    """Is a JPEG or WebP logo accepted and served with its own type, whatever its name?"""
    assert upload(as_admin, logo=(image_bytes(fmt), filename)).status_code == 302
    name = _settings().logo_image
    assert name.endswith({"image/jpeg": ".jpg", "image/webp": ".webp"}[content_type])
    assert client.get(f"/brand/{name}").mimetype == content_type


def test_favicon_answers_before_and_after_an_upload(as_admin, client):
    """Does /favicon.ico answer with Herald's icon, then with the one I upload?"""
    default = client.get("/favicon.ico")
    assert default.status_code == 200
    assert default.mimetype == "image/x-icon"
    assert Image.open(io.BytesIO(default.get_data())).format == "ICO"
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/").get_data(as_text=True)

    ico = image_bytes("ICO", size=(32, 32), sizes=[(32, 32)])
    assert upload(as_admin, favicon=(ico, "favicon.ico")).status_code == 302
    version = _settings().favicon_image
    served = client.get(f"/favicon.ico?v={version}")
    assert served.get_data() == ico and served.mimetype == "image/x-icon"
    assert "immutable" in served.headers["Cache-Control"]
    assert f'<link rel="icon" href="/favicon.ico?v={version}">' in client.get("/").get_data(
        as_text=True
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("field", "content", "filename", "message"),
    [
        (
            "logo",
            b"just some text, honestly",
            "logo.png",
            "this file is not one, whatever its name",
        ),
        ("logo", SVG, "logo.svg", "SVG images are not accepted"),
        ("logo", SVG, "logo.png", "SVG images are not accepted"),
        ("logo", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", "SVG images are not"),
        ("logo", image_bytes("GIF"), "logo.png", "this file is GIF"),
        (
            "logo",
            image_bytes("PNG", size=(3000, 10)),
            "wide.png",
            "is 3000×10 pixels; at most 2048",
        ),
        ("logo", image_bytes("PNG", size=(20000, 20000), mode="1"), "bomb.png", "far too many"),
        ("logo", image_bytes("PNG")[:60], "cut.png", "damaged or incomplete"),
        ("logo", noise_png(420), "big.png", "too large"),
        ("favicon", image_bytes("PNG", size=(600, 600)), "icon.png", "is 600×600 pixels"),
        ("favicon", image_bytes("BMP"), "favicon.ico", "this file is BMP"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(as_admin, field, content, filename, message):
    """Is a file that is not an acceptable image refused with a message, storing nothing?"""
    before = _settings().version
    response = upload(as_admin, **{field: (content, filename)})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    settings = _settings()
    assert settings.version == before
    assert settings.logo_image is None and settings.favicon_image is None
    assert get_image("logo") is None and get_image("favicon") is None


def test_one_bad_file_stores_neither(as_admin):
    """If the logo is fine but the favicon is not, is neither saved, and both forms' state
    explained?"""
    response = upload(as_admin, logo=(image_bytes("PNG"), "logo.png"), favicon=(SVG, "favicon.svg"))
    assert response.status_code == 400
    assert get_image("logo") is None and get_image("favicon") is None


def test_a_request_over_the_size_limit_is_refused(as_admin):
    """Is an upload larger than any request may be refused with 413 and a message?"""
    response = upload(as_admin, logo=(b"\x89PNG" + b"0" * (1024 * 1024 + 10), "huge.png"))
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    assert get_image("logo") is None


def test_uploaded_images_can_be_removed(as_admin, client):
    """Can I take the logo away again, so the page shows its name?"""
    upload(as_admin, logo=(image_bytes("PNG"), "logo.png"))
    name = _settings().logo_image
    response = as_admin.post("/admin/settings/images", {"remove_logo": "y"})
    assert response.status_code == 302
    assert _settings().logo_image is None
    assert client.get(f"/brand/{name}").status_code == 404
    assert 'class="logo"' not in client.get("/").get_data(as_text=True)


def test_an_http_logo_url_is_refused_with_a_reason(as_admin):
    """Is a plain-http logo address refused, saying why, instead of a logo that never shows?"""
    from tests.integration.admin.test_settings import GOOD

    response = as_admin.post("/admin/settings", {**GOOD, "logo_url": "http://acme.example/l.png"})
    assert response.status_code == 400
    assert "Logo URL must start with https://" in response.get_data(as_text=True)
    assert _settings().logo_url is None
    assert as_admin.post("/admin/settings", GOOD).status_code == 302


def test_managers_cannot_change_the_logo(as_manager):
    response = upload(as_manager, logo=(image_bytes("PNG"), "logo.png"))
    assert response.status_code == 403
    assert get_image("logo") is None


def test_the_static_mirror_carries_the_uploaded_logo(app, as_admin, tmp_path):
    """Does a published mirror hold the logo under the name its pages link to?"""
    from app.mirror.publish import publish

    png = image_bytes("PNG")
    upload(as_admin, logo=(png, "logo.png"))
    name = _settings().logo_image
    mirror = tmp_path / "mirror"
    publish(app, mirror)
    assert (mirror / "brand" / name).read_bytes() == png
    assert f'src="/brand/{name}"' in (mirror / "index.html").read_text(encoding="utf-8")
    assert (mirror / "favicon.ico").is_file()
