"""Admin views: auth (being written)."""
