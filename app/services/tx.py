"""One commit per service call, in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services.errors import Conflict

P = ParamSpec("P")
R = TypeVar("R")


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Commit when `fn` returns, roll back whatever it wrote when it raises.

    Services validate before they write, and this makes the rest all-or-nothing:
    a failure never leaves half an incident behind.
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except IntegrityError as exc:
            db.session.rollback()
            raise Conflict(
                "That conflicts with something saved meanwhile; reload and retry."
            ) from exc
        except BaseException:
            db.session.rollback()
            raise

    return wrapper
