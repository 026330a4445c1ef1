"""Admin views: dashboard (being written)."""
