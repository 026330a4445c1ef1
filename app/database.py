"""Engine settings per database, and telling an unreachable database from a bug.

SQLite runs in WAL mode with a busy timeout; PostgreSQL connections are
checked before use and give up connecting after a few seconds, so a database
host that stopped answering fails requests quickly instead of hanging them.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from app.outage import Outage

BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_SECONDS = 5
_OUTAGE = "herald_database_outage"
# SQLite result codes that mean "cannot read the database now", not "bad query".
_SQLITE_OUTAGES = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
    "SQLITE_FULL",
    "SQLITE_PROTOCOL",
)
# SQLSTATE classes of the same: connection exception, insufficient resources,
# operator intervention (shutdown, terminated sessions), system error.
_PG_OUTAGES = ("08", "53", "57P", "58")


class DatabaseUnavailable(Exception):
    """An answer needs the database, which cannot be reached; app/errors.py makes it a 503."""


def configure(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        # sqlite3's timeout is SQLite's busy timeout: writers wait instead of failing.
        options.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_MS / 1000})
        _ensure_sqlite_folder(uri)
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached or read right now.

    True for refused or dropped connections, a full pool, a locked or
    unreadable SQLite file; False for errors of a query itself (constraint
    violations, deadlocks, bad SQL), which are bugs or races, not outages.
    """
    if isinstance(exc, DatabaseUnavailable | sa_exc.TimeoutError | sa_exc.InterfaceError):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    sqlite_name = getattr(original, "sqlite_errorname", None)
    if sqlite_name is not None:
        return sqlite_name.startswith(_SQLITE_OUTAGES)
    if not isinstance(exc, sa_exc.OperationalError):
        return False
    state = getattr(original, "sqlstate", None)
    # psycopg gives no SQLSTATE when it could not connect at all.
    return state is None or state.startswith(_PG_OUTAGES)


def outage(app: Flask | None = None) -> Outage:
    """This process's record of database outages for `app` (created on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get(_OUTAGE)
    if found is None:
        found = app.extensions.setdefault(
            _OUTAGE,
            Outage(
                "database",
                "public pages are served from their last render, other pages answer 503",
                float(app.config.get("DATABASE_RETRY_SECONDS", 1.0)),
            ),
        )
    return found


def _ensure_sqlite_folder(uri: str) -> None:
    from pathlib import Path

    path = uri.split("sqlite:///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
