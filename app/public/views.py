"""The public blueprint with every view module's routes on it, for the factory to register."""

from app.public import bp, embed, feeds, pages, theme

__all__ = ["bp", "embed", "feeds", "pages", "theme"]
