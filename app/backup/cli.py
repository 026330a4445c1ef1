"""The `flask backup` and `flask restore` commands."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from app.backup import postgres, sqlite
from app.backup.common import (
    BackupError,
    check_target_file,
    database_kind,
    file_kind,
    refuse_unless_empty,
)
from app.extensions import db


class _Bar:
    """A click progress bar fed with (done, total) page counts."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _uri() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def backup_command(file: Path, force: bool) -> None:
    """Back up the whole database to FILE while the site keeps serving."""
    check_target_file(file, force)
    started = time.monotonic()
    if database_kind() == "sqlite":
        bar = _Bar("Copying")
        try:
            sqlite.backup(sqlite.database_path(_uri()), file, bar)
        finally:
            bar.close()
    else:
        click.echo("Running pg_dump…")
        postgres.backup(_uri(), file, click.echo)
    size = file.stat().st_size
    click.secho(
        f"Backed up to {file} ({size / 1024:,.0f} KiB) in {time.monotonic() - started:.1f} s.",
        fg="green",
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds a page.")
def restore_command(file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE, then migrate it to this version."""
    from flask_migrate import upgrade

    from app.services.operations import record_restore

    kind, target = file_kind(file), database_kind()
    if kind != target:
        raise BackupError(
            f"{file} is a {kind} backup and DATABASE_URL is {target}. A backup restores into "
            "the same kind of database; to move a page between kinds, use `flask export` "
            "there and `flask import` here."
        )
    refuse_unless_empty(force)
    db.session.remove()
    if kind == "sqlite":
        bar = _Bar("Restoring")
        try:
            sqlite.restore(file, sqlite.database_path(_uri()), bar)
        finally:
            bar.close()
    else:
        click.echo("Restoring with pg_restore and psql…")
        postgres.restore(file, _uri(), click.echo)
    db.engine.dispose()  # no pooled connection may remember the replaced schema
    click.echo("Applying database migrations…")
    upgrade()
    record_restore(source=file.name)
    click.secho(f"Restored {file}.", fg="green")
