from app.api import bp  # noqa: F401  (routes added by the v2 API work)
