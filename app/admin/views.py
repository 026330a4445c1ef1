"""Loads every admin view module so their routes register on the blueprint."""

from app.admin import auth, components, dashboard, incidents, maintenance, settings, users  # noqa: F401
