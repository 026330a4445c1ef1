"""One commit per service call, in one place; every decision taken on locked rows.

A `@transactional` service runs in a write transaction of its own, begun before it
reads anything. The caller's earlier reads (a view loading the incident to show the
form) are over by then and may be stale, so the service re-reads each row it decides
on with `locked()` and checks its rules on what it finds there:

- PostgreSQL: `SELECT … FOR NO KEY UPDATE` holds the row until commit; a second
  writer waits, then reads what the first committed. (NO KEY UPDATE, not UPDATE:
  inserting a child row takes a KEY SHARE lock on its parent, which must not make two
  writers of one parent wait on each other crosswise.) Rows are locked parent first,
  then children in id order, so writers queue rather than deadlock.
- SQLite: the transaction begins `BEGIN IMMEDIATE` (see app/database.py), so one
  writer at a time reads and writes; the row locks are no-ops there.

Deadlocks, serialization failures and lock waits that time out re-run the whole call
from a fresh transaction, a few times, after a short jittered pause. When it still
cannot get through, the caller gets `Busy` (503, nothing saved), never a 500.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.database import WRITE_TRANSACTION
from app.extensions import db
from app.services.errors import Busy, Conflict, NotFound

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")

log = logging.getLogger("herald.tx")

ATTEMPTS = 4
FIRST_PAUSE_SECONDS = 0.05
# Past this, a retry would outlast a browser's patience (each wait may take the whole
# lock timeout): answer "busy" instead.
RETRY_WITHIN_SECONDS = 12.0
_INSIDE = "herald_transactional"
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
# SQLite: SQLITE_BUSY, SQLITE_LOCKED (and their extended codes).
_RETRY_SQLITE_CODES = {5, 6}

BUSY_MESSAGE = "The database is busy with other changes, so nothing was saved. Try again."
CONFLICT_MESSAGE = "That conflicts with something saved meanwhile; reload and retry."


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in a fresh write transaction; commit when it returns, roll back if it raises.

    Services validate before they write, and this makes the rest all-or-nothing: a
    failure never leaves half an incident behind. A service called by another joins
    the caller's transaction.
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if db.session.info.get(_INSIDE):
            return fn(*args, **kwargs)
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return _attempt(fn, args, kwargs)
            except DBAPIError as exc:
                if not is_contention(exc):
                    raise
                elapsed = time.monotonic() - started
                if attempt == ATTEMPTS or elapsed > RETRY_WITHIN_SECONDS:
                    log.warning("%s gave up after %d attempts: %s", fn.__name__, attempt, exc)
                    raise Busy(BUSY_MESSAGE) from exc
                time.sleep(random.uniform(0.5, 1.5) * FIRST_PAUSE_SECONDS * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # the loop returns or raises

    return wrapper


def _attempt(fn, args, kwargs):
    session = db.session
    # End the caller's read transaction: its snapshot may be stale, and on SQLite a
    # deferred transaction that later writes is the one that fails with "locked".
    session.rollback()
    session.connection(execution_options={WRITE_TRANSACTION: True})
    session.info[_INSIDE] = True
    try:
        result = fn(*args, **kwargs)
        session.commit()
        return result
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(CONFLICT_MESSAGE) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_INSIDE, None)


def is_contention(exc: DBAPIError) -> bool:
    """Did the database refuse for a moment (deadlock, lock wait, busy), not for good?"""
    original = exc.orig
    if getattr(original, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    code = getattr(original, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _RETRY_SQLITE_CODES


def row_id(row) -> int:
    """The primary key of `row` (an instance, even an expired one, or an id)."""
    if isinstance(row, int):
        return row
    identity = inspect(row).identity
    return identity[0] if identity else row.id


def locked(model: type[M], row: M | int, *, missing: str, options: Iterable = ()) -> M:
    """`row` read afresh and locked until commit; NotFound(`missing`) if it is gone.

    Call it inside a `@transactional` service before deciding anything on the row.
    The object in the caller's hands is the same one, refreshed.
    """
    found = db.session.scalar(
        select(model)
        .where(model.id == row_id(row))
        .options(*options)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound(missing)
    return found


def locked_all(model: type[M], *where) -> list[M]:
    """Every row of `model` matching `where`, read afresh and locked, in id order."""
    return list(
        db.session.scalars(
            select(model)
            .where(*where)
            .order_by(model.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
