"""The public blueprint with every view module's routes on it, for the factory to register."""

from app.public import bp, brand, embed, feeds, pages, theme

__all__ = ["bp", "brand", "embed", "feeds", "pages", "theme"]
