"""Who is calling: the token in the Authorization header, checked before every view.

Accepted: `Authorization: Bearer <token>`, and `OAuth <token>` as Statuspage clients
send it. A token in the query string is refused outright (it would end up in access
logs, proxies and browser history). Unknown, revoked and expired tokens get the same
401, so a caller learns nothing about which tokens exist.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from app.api.v1 import bp
from app.api.v1.errors import ApiError
from app.models import Role
from app.services import api_tokens
from app.services.page import get_settings

SCHEMES = ("bearer", "oauth")
# Names scripts put keys under in a URL (Statuspage accepts `api_key`).
QUERY_NAMES = {"api_key", "apikey", "access_token", "token", "oauth_token", "key"}
NOT_VALID = "The API token is missing, unknown, revoked or expired."
# Served to anyone: the document describes the API, it grants nothing.
OPEN_ENDPOINTS = {"api_v1.openapi"}


def presented_token() -> str | None:
    """The token the Authorization header carries, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in SCHEMES or not value.strip():
        return None
    return value.strip()


def rate_key() -> str:
    """Per token (its hash, never the secret), or per address when none is sent."""
    token = presented_token()
    if token is None:
        return f"ip:{get_remote_address()}"
    return "token:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def required_role(endpoint: str | None) -> Role:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "required_role", Role.MANAGER)


def _refuse_token_in_query() -> None:
    for name, value in request.args.items(multi=True):
        if name.lower() in QUERY_NAMES or api_tokens.looks_like_token(value):
            raise ApiError(
                400,
                "Send the API token in the Authorization header (Authorization: Bearer "
                "<token>), never in the URL: URLs end up in logs. Revoke this token, since "
                "it has been exposed.",
                {name[:40]: "Tokens are not accepted in the query string."},
            )


@bp.url_value_preprocessor
def _page_scope(endpoint, values):
    """/pages/<page_id>/…: the id must be this page's, as /api/v2/summary.json gives it."""
    if values and "page_id" in values:
        g.api_page_id = values.pop("page_id")


@bp.before_request
def authenticate():
    _refuse_token_in_query()
    if request.endpoint in OPEN_ENDPOINTS:
        return
    secret = presented_token()
    token = api_tokens.authenticate(secret) if secret and len(secret) <= 200 else None
    if token is None:
        raise ApiError(401, NOT_VALID)
    if required_role(request.endpoint) == Role.ADMIN and not token.is_admin:
        raise ApiError(403, "This endpoint needs an admin token; this one is a manager's.")
    page_id = g.pop("api_page_id", None)
    if page_id is not None and page_id != get_settings().code:
        raise ApiError(404, "No such page: the page id is the one /api/v2/summary.json shows.")
    g.api_token = token
    g.api_actor = token.label
    api_tokens.record_use(token)
