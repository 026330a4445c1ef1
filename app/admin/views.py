"""The admin blueprint with every view module loaded: what the app factory registers."""

# Importing a view module adds its routes to the blueprint.
from app.admin import (  # noqa: F401
    account,
    alert_rules,
    audit,
    auth,
    backfill,
    bp,
    components,
    dashboard,
    incidents,
    maintenance,
    settings,
    tokens,
    users,
)

__all__ = ["bp"]
