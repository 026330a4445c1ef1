"""Error pages in the site's look, and JSON errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services.errors import ServiceError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _render(code: int, title: str, message: str):
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
        return _render(exc.status_code, "Cannot do that", exc.message)

    @app.errorhandler(UnicodeDecodeError)
    def bad_encoding(exc: UnicodeDecodeError):
        return _render(400, "Bad request", "The request was not valid UTF-8.")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render(500, "Something went wrong", "The error has been logged. Try again shortly.")
