"""Can every migration be undone and done again, on SQLite and on PostgreSQL?"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import make_app


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database with no tables at all, of this test's own: a SQLite file, or on
    PostgreSQL a schema of its own in the session's database (a whole database of its
    own would cost a forced checkpoint of the server when dropped)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    schema = f"round_trip_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{database_url}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrations_upgrade_downgrade_to_base_and_upgrade_again(empty_database):
    """Does every migration, whatever the chain holds, downgrade cleanly to an empty
    database and upgrade again to exactly the models' schema?"""
    app = make_app(empty_database)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            head = ScriptDirectory(directory).get_current_head()
            if db.engine.dialect.name == "postgresql":
                # Never the session's shared schema: downgrading it would break every test.
                with db.engine.connect() as connection:
                    schema = connection.execute(text("SELECT current_schema()")).scalar()
                assert schema.startswith("round_trip_")

            upgrade()
            assert _current_revision() == head

            downgrade(revision="base")
            assert _current_revision() is None
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

            upgrade()
            assert _current_revision() == head
            assert _schema_differences() == []
            settings = db.session.execute(text("SELECT count(*) FROM page_settings")).scalar()
            assert settings == 1
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def _row_counts(tables: list[str]) -> dict[str, int]:
    counts = {
        name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()  # noqa: S608
        for name in tables
    }
    db.session.remove()  # no lock held while the next migration alters these tables
    return counts


def test_stepping_through_every_migration_keeps_every_row(empty_database):
    """With a page holding components, an incident and its updates, does going down one
    migration at a time to the first and back up keep every row of the tables that exist
    throughout? (On SQLite a column change copies the table; with foreign keys on, dropping
    the old copy would delete every child row.)"""
    from app.services import components, incidents

    app = make_app(empty_database)
    try:
        with app.app_context():
            upgrade()
            api = components.create_component(name="API", status="operational", actor="test")
            incident = incidents.open_incident(
                name="Slow API",
                impact="minor",
                message="Looking.",
                components={api.id: "degraded_performance"},
            )
            incidents.post_update(incident, status="resolved", message="Fixed.")
            db.session.remove()
            first_tables = ["component", "incident", "incident_update", "affected_component"]
            before = _row_counts(first_tables)
            assert before["incident_update"] == 2
            script = ScriptDirectory(app.extensions["migrate"].directory)
            revisions = [r.revision for r in script.walk_revisions()]  # head first
            for revision in revisions[1:]:
                downgrade(revision=revision)
                db.session.remove()
                assert _row_counts(first_tables) == before, f"down to {revision}"
            upgrade()
            db.session.remove()
            assert _row_counts(first_tables) == before
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
