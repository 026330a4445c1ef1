"""Can every migration be undone and done again, on SQLite and on PostgreSQL?"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import _pg_throwaway_database, make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database of this test's own, with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    admin, name, url = _pg_throwaway_database()
    try:
        yield url
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


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
