"""Is the schema exactly what the migrations build, and does SQLite survive two writers?"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db
from tests.conftest import make_app


def test_migrations_match_the_models(app):
    """Do the Alembic migrations build exactly the schema the models describe?"""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    """Does SQLite let readers run beside a writer and make writers wait instead of failing?"""
    if db.engine.dialect.name != "sqlite":
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_the_sqlite_database_herald_creates_is_readable_by_its_owner_only(
    tmp_path, world_readable_umask
):
    """On a first start, Herald creates its SQLite database (TOTP secrets, subscriber
    addresses, token hashes): under the usual umask, can other users of the machine read it,
    or its -wal and -shm files? (They must not.)"""
    database = tmp_path / "instance" / "herald.db"
    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        upgrade()
        made = [database, database.with_name("herald.db-wal"), database.with_name("herald.db-shm")]
        modes = {path.name: path.stat().st_mode & 0o777 for path in made}
        db.session.remove()
        db.engine.dispose()
    assert modes == {"herald.db": 0o600, "herald.db-wal": 0o600, "herald.db-shm": 0o600}


def test_a_connection_asked_for_autocommit_runs_outside_a_transaction(app, make_component):
    """Can maintenance that refuses a transaction (VACUUM, as an operator or a bench runs it)
    run through an AUTOCOMMIT connection, on SQLite as on PostgreSQL?"""
    make_component("API")
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM"))
        assert conn.execute(text("SELECT count(*) FROM component")).scalar() == 1


WRITER = textwrap.dedent(
    """
    import os, sys
    os.environ["DATABASE_URL"] = sys.argv[1]
    from app import create_app
    from app.services import components
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        component = components.get_component(int(sys.argv[2]))
        for n in range(40):
            status = "operational" if n % 2 else "major_outage"
            components.set_status(component, status, actor="writer")
    print("ok")
    """
)


def test_two_processes_writing_at_once_never_see_database_is_locked(app, make_component):
    """Can two server processes change statuses at the same moment without failing?"""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = make_component("One"), make_component("Two")
    db.session.commit()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(component.id)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for component in (first, second)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert "locked" not in err
        assert out.strip() == "ok"
    db.session.rollback()  # the writers were other processes: read past this session's snapshot
    periods = db.session.execute(text("SELECT count(*) FROM component_status_period")).scalar()
    assert periods == 2 + 2 * 40
