"""Loads every public view module so their routes register on the blueprint."""

from app.public import theme  # noqa: F401
from app.public import pages  # noqa: F401
