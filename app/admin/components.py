"""Admin views: components (being written)."""
