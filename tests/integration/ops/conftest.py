"""Fixtures for the operator's tools: databases of their own, for backups and imports."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from app.extensions import db
from tests.conftest import PG_ADMIN_DSN, make_app, unavailable


class Databases:
    """Makes new, empty databases of one kind (SQLite files or PostgreSQL databases)."""

    def __init__(self, kind: str, tmp_path):
        self.kind = kind
        self.tmp_path = tmp_path
        self.apps = []
        self.pg_names = []
        self.admin = None
        if kind == "postgresql":
            try:
                self.admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
            except psycopg.OperationalError as exc:
                unavailable(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")

    def url(self) -> str:
        """The URL of a new, empty database."""
        name = f"herald_ops_{uuid.uuid4().hex[:10]}"
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp_path / (name + '.db')}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.pg_names.append(name)
        return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"

    def app(self, url: str | None = None, **overrides):
        """A test app on `url` (default: a new database), closed at the end."""
        app = make_app(url or self.url(), **overrides)
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for name in self.pg_names:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.admin is not None:
            self.admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path):
    """New databases of one kind per test, dropped afterwards; each test runs on both kinds."""
    made = Databases(request.param, tmp_path)
    yield made
    made.close()


@pytest.fixture
def same_kind(database_url, tmp_path):
    """New databases of the kind the `app` fixture runs on."""
    made = Databases("sqlite" if database_url.startswith("sqlite") else "postgresql", tmp_path)
    yield made
    made.close()
