"""The incident managers' side. Closed by default: one guard covers every route.

This module holds the blueprint and imports no view: the view modules import it
to add their routes, and `app.admin.views` loads them all for the app factory.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.models import Role
from app.site import site_url, used_address_differs

bp = Blueprint("admin", __name__)

# The only admin endpoints an anonymous visitor may reach.
OPEN_ENDPOINTS = {"admin.login"}


def admin_only(view):
    """Mark a view as needing the `admin` role (the default is `manager`)."""
    view.required_role = Role.ADMIN
    return view


def current_actor():
    """The logged-in user, as the services' `actor=` (the audit log names them)."""
    return current_user._get_current_object()


def required_role(endpoint: str) -> str:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "required_role", Role.MANAGER)


@bp.before_request
def guard():
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if required_role(request.endpoint) == Role.ADMIN and not current_user.is_admin:
        abort(403, "This page is for admins only.")
    return None


_SECTIONS = {
    "incident": "incidents",
    "update": "incidents",
    "postmortem": "incidents",
    "maintenance": "maintenance",
    "component": "components",
    "group": "components",
    "user": "users",
    "settings": "settings",
    "embed": "embed",
    "account": "account",
    "audit": "audit",
    "subscriber": "subscribers",
    "deliver": "subscribers",
    "suppress": "subscribers",
    "token": "tokens",
    "alert_rule": "alert_rules",
}


@bp.context_processor
def navigation():
    """Which nav entry the current page belongs to (for aria-current)."""
    name = (request.endpoint or "").removeprefix("admin.")
    section = next((s for prefix, s in _SECTIONS.items() if name.startswith(prefix)), "dashboard")
    return {
        "current_section": section,
        "used_address": used_address_differs(),
        "site_url": site_url(),
    }
