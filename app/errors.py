"""Error pages in the site's look, and JSON errors for the API.

No error page needs the database: the page settings they show fall back to
the last ones read (templating.page_settings), and the user is never loaded
for them, so a database outage gets a clear 503 instead of a traceback.
"""

from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app import database
from app.extensions import db, login_manager
from app.services.errors import ServiceError

RETRY_AFTER_SECONDS = 30


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _render(code: int, title: str, message: str):
    if request.path.startswith("/api/v1/"):
        # The management API's one error shape, for answers its own handlers never see
        # (an unknown URL, a database outage).
        return jsonify(error={"code": code, "message": message, "fields": {}}), code
    if _wants_json():
        return jsonify(error={"code": code, "message": message}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        titles = {
            404: "Page not found",
            413: "Request too large",
            405: "Method not allowed",
            429: "Too many attempts",
        }
        message = exc.description or ""
        if exc.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // 1024
            message = f"What you sent is larger than the {limit} KiB this site accepts."
        response = make_response(_render(exc.code or 500, titles.get(exc.code, exc.name), message))
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400,
            "Form expired",
            "The form was missing its security token or it expired. "
            "Go back, reload the page and send it again.",
        )

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return _render(exc.status_code, exc.title, exc.message)

    @app.errorhandler(UnicodeDecodeError)
    def bad_encoding(exc: UnicodeDecodeError):
        return _render(400, "Bad request", "The request was not valid UTF-8.")

    # DatabaseError covers OperationalError and SQLite's "file is not a database";
    # the pool's TimeoutError and InterfaceError are no DatabaseError.
    for kind in (
        database.DatabaseUnavailable,
        sa_exc.DatabaseError,
        sa_exc.InterfaceError,
        sa_exc.TimeoutError,
    ):
        app.register_error_handler(kind, _database_error)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render(500, "Something went wrong", "The error has been logged. Try again shortly.")


def _database_error(exc: Exception):
    """A database that cannot be reached is a 503 saying so; any other database error is a bug."""
    if not database.unavailable(exc):
        raise exc
    database.outage().failed(exc)
    _forget_the_failed_request()
    response = make_response(
        _render(
            503,
            "Database unavailable",
            "The status database is not answering right now, so this page cannot be shown. "
            "The public status page keeps showing its last update. Try again in a minute.",
        )
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _forget_the_failed_request() -> None:
    """Roll back, and treat the visitor as anonymous, so rendering the page asks nothing more."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing left to roll back
        db.session.remove()
    g._login_user = login_manager.anonymous_user()
