"""Engine settings per database: SQLite in WAL mode with a busy timeout."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


def configure(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_MS / 1000})
        _ensure_sqlite_folder(uri)
    else:
        options.setdefault("pool_pre_ping", True)


def _ensure_sqlite_folder(uri: str) -> None:
    from pathlib import Path

    path = uri.split("sqlite:///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; busy_timeout makes writers wait, not fail."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
