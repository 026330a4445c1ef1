"""The incident managers' side. Closed by default: one guard covers every route.

This module holds the blueprint and imports no view: the view modules import it
to add their routes, and `app.admin.views` loads them all for the app factory.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.models import Role
from app.site import site_url, used_address_differs
from app.templating import page_settings

bp = Blueprint("admin", __name__)

# The only admin endpoints an anonymous visitor may reach: the password step of logging
# in, and the code step after it (which needs the pending log-in the password step made).
OPEN_ENDPOINTS = {"admin.login", "admin.login_code", "admin.login_recovery"}
# All that is open to a user who must set up two-factor login first (an admin requires it).
ENROLMENT_ENDPOINTS = {"admin.two_factor_setup", "admin.two_factor_confirm", "admin.logout"}


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
    if must_enrol() and request.endpoint not in ENROLMENT_ENDPOINTS:
        return redirect(url_for("admin.two_factor_setup"))
    if required_role(request.endpoint) == Role.ADMIN and not current_user.is_admin:
        abort(403, "This page is for admins only.")
    return None


def must_enrol() -> bool:
    """Is two-factor required of everybody, and the logged-in user without it?"""
    return (
        current_user.is_authenticated
        and not current_user.two_factor_enabled
        and bool(page_settings().require_two_factor)
    )


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
    "template": "incidents",  # reached from the Incidents page (the nav keeps to one row)
    "two_factor": "account",
    "priority": "settings",
    "metrics": "metrics",
    "upstream_report": "incidents",
}


@bp.context_processor
def navigation():
    """Which nav entry the current page belongs to (for aria-current)."""
    name = (request.endpoint or "").removeprefix("admin.")
    section = next((s for prefix, s in _SECTIONS.items() if name.startswith(prefix)), "dashboard")
    return {
        "current_section": section,
        "must_enrol": must_enrol(),
        "used_address": used_address_differs(),
        "site_url": site_url(),
    }
