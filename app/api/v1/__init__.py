"""The management API, /api/v1: JSON over bearer tokens, in Statuspage's field names.

Closed by default like the admin: one `before_request` (auth.py) authenticates every
route; a view marked `admin_only` also refuses manager tokens. Every route answers
both at /api/v1/<path> and at /api/v1/pages/<page id>/<path>, as Statuspage's does.
No cookie is ever taken as authentication here, so CSRF does not apply.
"""

from __future__ import annotations

from flask import Blueprint, g

from app.models import ApiToken, Role

bp = Blueprint("api_v1", __name__)


def route(rule: str, methods: tuple[str, ...] = ("GET",), *, page_scoped: bool = True):
    """Register a view at `rule` and, for page resources, at /pages/<page_id>`rule`."""

    def register(view):
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
        if page_scoped:
            bp.add_url_rule(
                f"/pages/<page_id>{rule}", endpoint=view.__name__, methods=list(methods)
            )
        return view

    return register


def admin_only(view):
    """Mark a view as needing an admin token (the default is a manager's)."""
    view.required_role = Role.ADMIN
    return view


def current_token() -> ApiToken:
    return g.api_token


def actor() -> str:
    """The token as the services' `actor=`: the audit log names it."""
    return g.api_actor
