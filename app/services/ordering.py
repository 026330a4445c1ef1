"""What components and groups share: the limits on their texts, unique names, page order."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.services.errors import Invalid, NotFound
from app.services.tx import locked_all, row_id

MAX_NAME = 100
MAX_DESCRIPTION = 2000


def unique_name(model, name: str, exclude_id: int | None, what: str) -> None:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Invalid(f"A {what} named “{name}” already exists.", "name")


def next_position(model) -> int:
    return (db.session.scalar(select(func.max(model.position))) or 0) + 1


def locked_in_order(model) -> list:
    """Every row of `model`, locked (the whole list is what a reorder decides on), in
    page order."""
    return sorted(locked_all(model), key=lambda row: (row.position, row.id))


def find_row(rows: list, row, missing: str):
    wanted = row_id(row)
    found = next((each for each in rows if each.id == wanted), None)
    if found is None:
        raise NotFound(missing)
    return found
