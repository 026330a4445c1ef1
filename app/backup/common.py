"""What both kinds of backup share: the file's kind, the target's contents, the errors."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, inspect, select, table

from app.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Tables whose rows make a database "hold a page": what a restore would destroy.
CONTENT_TABLES = ("component_group", "component", "incident", "user", "subscriber")


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says what to do."""


def file_kind(path: Path) -> str:
    """'sqlite' or 'postgresql', from the file's first bytes."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} is not a Herald backup (neither a SQLite database nor a pg_dump custom-format "
        "file). `flask import` reads the JSON written by `flask export`."
    )


def database_kind() -> str:
    return "sqlite" if db.engine.dialect.name == "sqlite" else "postgresql"


def contents() -> dict[str, int]:
    """Rows in the tables that make up a page, for the tables that exist and have rows."""
    found = {}
    existing = set(inspect(db.session.connection()).get_table_names())
    for name in CONTENT_TABLES:
        if name in existing:
            count = db.session.scalar(select(func.count()).select_from(table(name)))
            if count:
                found[name] = count
    db.session.rollback()
    return found


def refuse_unless_empty(force: bool) -> None:
    held = contents()
    if held and not force:
        listed = ", ".join(
            f"{count} {name.replace('_', ' ')} row{'' if count == 1 else 's'}"
            for name, count in held.items()
        )
        raise BackupError(
            f"The database at DATABASE_URL already holds a page ({listed}). Restoring replaces "
            "all of it: add --force to do so, after a `flask backup` of it if you may want it "
            "back."
        )


def check_target_file(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise BackupError(f"{target} already exists. Choose another name, or add --force.")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist. Create it first.")
