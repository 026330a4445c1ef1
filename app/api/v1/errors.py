"""One error shape for every /api/v1 answer: {"error": {"code", "message", "fields"}}.

`code` is the HTTP status, as /api/v2 spells it; `fields` maps a request field (in the
API's own names) to what is wrong with it, empty when the fault is not one field's.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from app.api.v1 import bp
from app.extensions import db
from app.services.errors import Invalid, ServiceError

# The services name fields as the admin forms do; the API names them as Statuspage does.
SERVICE_FIELDS = {
    "title": "name",
    "message": "body",
    "start": "scheduled_for",
    "end": "scheduled_until",
    "postmortem": "body",
    "kind": "type",
    "address": "endpoint",
}


def service_fields(names: dict[str, str]):
    """Mark a view whose resource names the services' fields otherwise: {service's: API's}."""

    def mark(view):
        view.service_fields = names
        return view

    return mark


def _field_names() -> dict[str, str]:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "service_fields", SERVICE_FIELDS)


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


def error_response(status: int, message: str, fields: dict[str, str] | None = None):
    response = jsonify(error={"code": status, "message": message, "fields": fields or {}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="herald"'
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return error_response(exc.status, exc.message, exc.fields)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    # A rule the input broke is a 422 here: the request was well formed JSON.
    status = 422 if isinstance(exc, Invalid) else exc.status_code
    fields = {_field_names().get(exc.field, exc.field): exc.message} if exc.field else {}
    return error_response(status, exc.message, fields)


@bp.errorhandler(RateLimitExceeded)
def _throttled(exc: RateLimitExceeded):
    response = error_response(
        429, "Too many requests with this token; wait a moment and retry (see Retry-After)."
    )
    response.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 413:
        return error_response(413, "The body is larger than this API accepts.")
    response = error_response(exc.code or 500, exc.description or exc.name)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
