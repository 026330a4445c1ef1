"""PostgreSQL backups with the PostgreSQL client tools: pg_dump, pg_restore and psql.

The connection settings go to the tools through the PG* environment variables,
never on the command line, where any user of the machine could read a password.
A restore feeds `pg_restore`'s SQL to `psql --single-transaction` after dropping
what the database holds, so it lands whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.backup.common import BackupError
from app.extensions import db
from app.private_files import private_partial

Echo = Callable[[str], None]
_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}
INSTALL_HINT = (
    "Install the PostgreSQL client tools, of your server's major version or newer "
    "(Debian/Ubuntu: `apt-get install postgresql-client`; Alpine: `apk add postgresql-client`; "
    "macOS: `brew install libpq`), or put them on PATH."
)


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: a PostgreSQL backup needs it. {INSTALL_HINT}")
    return found


def connection_env(uri: str) -> dict[str, str]:
    """The environment that points libpq tools at the database in `uri`."""
    url = make_url(uri)
    env = dict(os.environ)
    for key, value in {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value is not None:
            env[key] = str(value)
    for key, value in url.query.items():
        if key in _QUERY_ENV:
            env[_QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def _run(command: list[str], env: dict, echo: Echo, what: str, **kwargs) -> None:
    process = subprocess.Popen(  # noqa: S603 - a tool found by which(), fixed arguments
        command, env=env, stderr=subprocess.PIPE, text=True, errors="replace", **kwargs
    )
    errors = []
    for line in process.stderr:
        line = line.rstrip()
        if line.startswith(("pg_dump: dumping contents of table", "pg_restore: processing data")):
            echo("  " + line.split(": ", 1)[1])
        elif line:
            errors.append(line)
    if process.wait() != 0:
        detail = "\n".join(errors[-10:]) or f"exit status {process.returncode}"
        raise BackupError(f"{what} failed:\n{detail}")


def backup(uri: str, target: Path, echo: Echo) -> None:
    """`pg_dump -Fc` of the database into the new file `target`."""
    pg_dump = tool("pg_dump")
    partial = private_partial(target)  # 0600 before a byte of the database is in it
    command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--verbose"]
    try:
        _run([*command, f"--file={partial}"], connection_env(uri), echo, "pg_dump")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def _drop_everything() -> list[str]:
    """SQL that removes every table, sequence and type in the public schema."""
    tables = db.session.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).all()
    sequences = db.session.scalars(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
    ).all()
    types = db.session.scalars(
        text(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"
        )
    ).all()
    db.session.rollback()
    statements = [f'DROP TABLE IF EXISTS public."{name}" CASCADE;' for name in tables]
    statements += [f'DROP SEQUENCE IF EXISTS public."{name}" CASCADE;' for name in sequences]
    statements += [f'DROP TYPE IF EXISTS public."{name}" CASCADE;' for name in types]
    return statements


def check_backup(path: Path) -> None:
    listing = subprocess.run(  # noqa: S603 - a tool found by which(), fixed arguments
        [tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read {path}: {listing.stderr.strip()}")
    if "alembic_version" not in listing.stdout:
        raise BackupError(f"{path} is a PostgreSQL dump but not of a Herald database.")


def restore(path: Path, uri: str, echo: Echo) -> None:
    """Replace everything in the database with the dump at `path`, in one transaction."""
    pg_restore, psql = tool("pg_restore"), tool("psql")
    check_backup(path)
    drops = _drop_everything()
    db.engine.dispose()  # psql must not wait for our idle connections' locks
    env = connection_env(uri)
    script = subprocess.Popen(  # noqa: S603 - a tool found by which(), fixed arguments
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    replay = [psql, "--single-transaction", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1"]
    player = subprocess.Popen(  # noqa: S603 - a tool found by which(), fixed arguments
        [*replay, "--file=-"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    player.stdin.write("\n".join(drops).encode() + b"\n")
    for chunk in iter(lambda: script.stdout.read(1 << 16), b""):
        for line in chunk.splitlines():
            if line.startswith(b"COPY public."):
                echo("  restoring " + line.split()[1].decode(errors="replace"))
        player.stdin.write(chunk)
    player.stdin.close()
    script_errors = script.stderr.read().decode(errors="replace")
    player_errors = player.stderr.read().decode(errors="replace")
    if script.wait() != 0:
        player.kill()
        player.wait()
        raise BackupError(f"pg_restore cannot read {path}:\n{script_errors.strip()}")
    if player.wait() != 0:
        raise BackupError(f"The restore was rolled back; nothing changed:\n{player_errors.strip()}")
