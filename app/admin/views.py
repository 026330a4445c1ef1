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
    incident_templates,
    incidents,
    maintenance,
    maintenance_series,
    metrics,
    priority,
    settings,
    subscribers,
    suppressions,
    team_channels,
    tokens,
    two_factor,
    two_factor_login,
    two_factor_settings,
    upstream,
    users,
)

__all__ = ["bp"]
