"""SQLite backups through SQLite's online backup API.

The API copies the database a few hundred pages at a time; a write by another
connection between two steps makes it start again from a fresh snapshot, so
the copy is always consistent. Steps are small enough that a busy status
page's occasional writes do not stop it from finishing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from app.backup.common import BackupError
from app.private_files import private_partial

PAGES_PER_STEP = 512
Progress = Callable[[int, int], None]  # (pages copied, pages in all)


def database_path(uri: str) -> Path:
    path = uri.split("sqlite:///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("DATABASE_URL must name a SQLite file to back it up or restore into.")
    return Path(path)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress) -> None:
    def report(_status, remaining, total):
        progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=report)


def backup(database: Path, target: Path, progress: Progress) -> None:
    """Copy the live database at `database` into the new file `target`."""
    if not database.is_file():
        raise BackupError(f"There is no database at {database}; check DATABASE_URL.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    partial = private_partial(target)  # 0600 before a byte of the database is in it
    copy = sqlite3.connect(partial)
    try:
        _copy(source, copy, progress)
        # One self-contained file: no -wal beside it to forget.
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"The copy failed SQLite's check ({verdict}); nothing was written.")
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    copy.close()
    os.replace(partial, target)


def check_backup(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged: {exc}.") from exc
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"{path} is damaged ({verdict}); restore another backup.")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is a SQLite database but not a Herald backup.")


def restore(path: Path, database: Path, progress: Progress) -> None:
    """Replace the database at `database` with the backup at `path`, in one transaction.

    Running Herald processes wait (busy timeout) while it runs, then see the restored data.
    """
    check_backup(path)
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=30)
    try:
        _copy(source, target, progress)
        # The copy carries the backup's journal mode; Herald runs in WAL (see database.py).
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        source.close()
        target.close()
