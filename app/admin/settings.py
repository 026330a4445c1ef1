"""Admin views: settings (being written)."""
