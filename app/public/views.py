"""Loads every public view module so their routes register on the blueprint."""

from app.public import embed, feeds, pages, theme  # noqa: F401
