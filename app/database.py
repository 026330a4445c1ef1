"""Engine settings per database: SQLite in WAL mode, and how write transactions begin.

Writes wait for locks rather than fail, for at most `DATABASE_LOCK_TIMEOUT_MS`
(10 s by default): SQLite's busy timeout, PostgreSQL's `lock_timeout`. A wait that
runs out raises an error `services.tx` retries, then answers "busy".

On SQLite, SQLAlchemy rather than pysqlite begins transactions (the recipe in
SQLAlchemy's SQLite dialect docs, "Enabling Non-Legacy SQLite Transactional
Modes"): pysqlite's own BEGIN is deferred, so two writers could both read, then
one fail to upgrade its lock ("database is locked", which no busy timeout cures).
A write transaction (`services.tx` asks for one with the `WRITE_TRANSACTION`
execution option) begins `BEGIN IMMEDIATE`, taking the write lock before its first
read; a plain read stays a deferred `BEGIN`, so readers never wait for writers.

PostgreSQL connections are checked before use and give up connecting after a few
seconds, so a database host that stopped answering fails requests quickly instead of
hanging them; `unavailable()` tells such an outage from an error of the query itself,
so public pages can be served from their last render meanwhile.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from app.outage import Outage

BUSY_TIMEOUT_MS = 10_000
WRITE_TRANSACTION = "herald_write_transaction"
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
    timeout_ms = int(app.config.get("DATABASE_LOCK_TIMEOUT_MS", BUSY_TIMEOUT_MS))
    connect_args = options.setdefault("connect_args", {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", timeout_ms / 1000)
        _create_sqlite_file(uri)
    else:
        options.setdefault("pool_pre_ping", True)
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        if uri.startswith("postgresql"):
            # connect_args replace the URL's own `options` (a search_path, say): keep both.
            given = make_url(uri).query.get("options")
            given = given[-1] if isinstance(given, tuple) else given
            lock = f"-c lock_timeout={timeout_ms}"
            connect_args.setdefault("options", f"{given} {lock}" if given else lock)


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


def _create_sqlite_file(uri: str) -> None:
    """Create the SQLite file (and its folder) Herald is about to open, mode 0600.

    SQLite would create it with the umask's mode (world-readable under 0022), and its
    -wal and -shm files take the database file's mode: made 0600 here, all three are.
    """
    from pathlib import Path

    from app.private_files import create_private

    path = make_url(uri).database
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        create_private(Path(path))


def _is_pysqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; `_sqlite_begin` begins every transaction."""
    if not _is_pysqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite" or connection.dialect.driver != "pysqlite":
        return
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # asked for no transaction (VACUUM cannot run inside one)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_TRANSACTION) else "BEGIN")
