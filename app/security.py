"""Response headers every page carries, and the session rules for logins."""

from __future__ import annotations

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface

from app.extensions import login_manager
from app.services.users import load_session_user

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors {ancestors}"
)


class SharedCacheSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, except on responses marked `Cache-Control: public`.

    Those bodies are the same for everyone (the render cache guarantees it) and
    a CDN or browser may hand them to anyone: a `Set-Cookie` on one would give
    a logged-in manager's session to the next visitor, and `Vary: Cookie`
    would stop them being shared during a traffic spike. So a public response
    carries no cookie at all. What a request changed in the session (Flask-Login
    marking it non-fresh when the browser changed, a remember cookie) is simply
    not saved: the next private response, an admin page, saves it.
    """

    def save_session(self, app, session, response):
        if response.cache_control.public:
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SharedCacheSessionInterface()
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    app.before_request(_refuse_nul_bytes)
    app.after_request(_headers)


def _refuse_nul_bytes():
    """No text we store or look up may hold NUL (PostgreSQL refuses it in text columns)."""
    values = [request.path, *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values.extend(request.form.values())
    if any("\x00" in value for value in values):
        abort(400, "The request contains a NUL character, which no field accepts.")


def _headers(response):
    headers = response.headers
    admin = request.blueprint == "admin"
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault(
        "Content-Security-Policy", _CSP.format(ancestors="'none'" if admin else "'self'")
    )
    if admin:
        headers["Cache-Control"] = "no-store"
        # A view that may be framed by its own site says so (the embed previews).
        headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure or _served_over_https():
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


def _served_over_https() -> bool:
    from flask import current_app

    return bool(current_app.config.get("SERVE_HTTPS"))
