"""Admin views: my two-factor login — set it up (or move it to a new app), turn it off,
new recovery codes. Any logged-in user, for their own account; every change asks for the
password and, when it is on, a current code.
"""

from __future__ import annotations

from urllib.parse import quote

import segno
from flask import current_app, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from app.admin import bp, current_actor
from app.admin.account import account_page
from app.admin.auth import begin_session
from app.admin.forms import saved, submit
from app.admin.two_factor_forms import EnrolForm, ReauthForm
from app.extensions import limiter
from app.services import two_factor
from app.site import site_url

# The QR code's size: 5 pixels a module reads well on a laptop screen held up to a phone.
_QR_SCALE = 5


def _reauth_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else ""


def _refused(response) -> bool:
    return response.status_code == two_factor.Refused.status_code


# A session left open (or stolen) must not become a way to guess the password or a
# code: wrong ones count, as at log-in, shared by every form here.
reauth_limited = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
    "two-factor-reauth",
    key_func=_reauth_key,
    methods=["POST"],
    deduct_when=_refused,
)


def qr_code_svg(uri: str) -> Markup:
    """`uri` as an inline SVG QR code: drawn with paths, no inline style, script or data:
    URI, so the pages' Content-Security-Policy lets it show as it is."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=_QR_SCALE,
        dark="#000",
        light="#fff",
        title="QR code of your two-factor key, to scan with an authenticator app",
        svgclass="qr-code",
    )
    # An image with a name for assistive technology: its <title>, which segno writes.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 (segno's own markup)


def _setup_page(form: EnrolForm):
    user = current_actor()
    secret = two_factor.pending_secret(user)
    return render_template(
        "admin/two_factor/setup.html",
        form=form,
        qr_code=qr_code_svg(two_factor.provisioning_uri(user, secret)),
        key=two_factor.grouped(secret),
        moving=user.two_factor_enabled,
        forced=two_factor.is_required() and not user.two_factor_enabled,
    )


def _codes_page(codes: list[str], *, first_time: bool):
    # A data: address lets the browser save the codes without Herald keeping them to serve
    # a second request: they exist only in this answer.
    text = two_factor.recovery_codes_text(current_actor(), codes, site_url=site_url())
    return render_template(
        "admin/two_factor/recovery_codes.html",
        codes=codes,
        first_time=first_time,
        download="data:text/plain;charset=utf-8," + quote(text),
    )


@bp.get("/account/two-factor")
def two_factor_setup():
    # Showing the page makes the pending secret (once; it is kept until confirmed): the
    # QR code must stay the same across a reload between scanning and typing the code.
    return _setup_page(EnrolForm(formdata=None))


@bp.post("/account/two-factor")
@reauth_limited
def two_factor_confirm():
    form = EnrolForm()

    def save():
        codes = two_factor.confirm_enrolment(
            current_actor(),
            code=form.code.data,
            password=form.password.data,
            current_code=form.current_code.data,
        )
        # Every session of the user ended; this browser carries on in a new one.
        begin_session(current_actor())
        if codes is None:
            return saved(
                "Two-factor login now uses your new app; the old one no longer works, and "
                "your other sessions have ended.",
                url_for("admin.account"),
            )
        # Shown on this answer only, never redirected to: the codes are not stored.
        return _codes_page(codes, first_time=True)

    return submit(form, save, lambda: _setup_page(form))


@bp.post("/account/two-factor/off")
@reauth_limited
def two_factor_disable():
    form = ReauthForm(prefix="off")

    def save():
        user = two_factor.disable(
            current_actor(), password=form.password.data, code=form.current_code.data
        )
        begin_session(user)
        return saved(
            "Two-factor login is off; your other sessions have ended.", url_for("admin.account")
        )

    return submit(form, save, lambda: account_page(disable_form=form))


@bp.post("/account/two-factor/recovery-codes")
@reauth_limited
def two_factor_recovery_codes():
    form = ReauthForm(prefix="codes")

    def save():
        codes = two_factor.regenerate_recovery_codes(
            current_actor(), password=form.password.data, code=form.current_code.data
        )
        return _codes_page(codes, first_time=False)

    return submit(form, save, lambda: account_page(codes_form=form))
