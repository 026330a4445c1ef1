"""One page of a list the admin pages show, and how to read it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

from app.extensions import db
from app.services.errors import Invalid


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    pages: int
    total: int


def paged(query: Select, count: Select, page: int, per_page: int) -> Page:
    if page < 1:
        raise Invalid("The page number must be 1 or more.", "page")
    total = db.session.scalar(count) or 0
    items = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(items=items, page=page, pages=max(1, -(-total // per_page)), total=total)
