"""The admin blueprint with every view module loaded: what the app factory registers."""

# Importing a view module adds its routes to the blueprint.
import app.admin.uptime_settings  # noqa: F401  (the uptime setting: its own form and route)
from app.admin import (  # noqa: F401
    account,
    alert_rules,
    audit,
    auth,
    backfill,
    bp,
    components,
    dashboard,
    deliveries,
    embed,
    incidents,
    maintenance,
    maintenance_series,
    settings,
    subscribers,
    suppressions,
    tokens,
    users,
)

__all__ = ["bp"]
