"""Admin views: incidents (being written)."""
