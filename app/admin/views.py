"""Loads every admin view module so their routes register on the blueprint."""

from app.admin import (  # noqa: F401
    account,
    audit,
    auth,
    backfill,
    components,
    dashboard,
    incidents,
    maintenance,
    settings,
    users,
)
