"""Admin views: users (being written)."""
