"""Loads the subscribe pages so their routes register on the blueprint; the factory imports
`bp` from here."""

from app.public.subscribe import bp, common, manage, pages  # noqa: F401

__all__ = ["bp"]
