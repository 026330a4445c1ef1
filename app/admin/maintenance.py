"""Admin views: maintenance (being written)."""
