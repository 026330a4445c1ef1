"""The /api/v1 blueprint with every view module loaded: what the app factory registers."""

from flask import current_app

from app.api.v1 import (  # noqa: F401
    auth,
    bp,
    components,
    errors,
    incident_templates,
    incidents,
    integrations,
    openapi,
    page,
    postmortems,
    subscribers,
)
from app.api.v1.auth import rate_key
from app.extensions import limiter

# Per token (or per address without one): a runaway script slows itself, not the site.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_key)(bp)

__all__ = ["bp"]
