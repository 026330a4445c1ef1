"""The API blueprint with every version's routes on it, for the factory to register."""

from app.api import bp, v2

__all__ = ["bp", "v2"]
