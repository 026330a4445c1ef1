"""`flask backup` and `flask restore`: can an operator get the whole page back after a loss?"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, text

from app.extensions import db
from app.models import Component
from app.services import components, incidents
from tests.conftest import make_app
from tests.integration.ops.servers import environment, fetch, flask, start_gunicorn
from tests.integration.ops.site import build_page, head_revision, read_page


def _read(url: str) -> dict:
    app = make_app(url)
    try:
        with app.app_context():
            return read_page()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class Traffic:
    """Visitors reading the live site and a manager posting incidents, until stopped."""

    def __init__(self, app, base: str):
        self.app, self.base = app, base
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.written: list[int] = []
        self.threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._write, daemon=True),
        ]

    def _read(self):
        deadline = time.monotonic() + 120
        while not self.stop.is_set() and time.monotonic() < deadline:
            for path in ("/", "/api/v2/incidents.json", "/history"):
                self.statuses.append(fetch(self.base + path)[0])

    def _write(self):
        deadline = time.monotonic() + 120
        with self.app.app_context():
            while (
                not self.stop.is_set() and time.monotonic() < deadline and len(self.written) < 200
            ):
                opened = incidents.open_incident(
                    name=f"Live incident {len(self.written)}",
                    impact="major",
                    message="Written live.",
                )
                incidents.post_update(opened, status="monitoring", message="Second step.")
                self.written.append(opened.id)
                time.sleep(0.02)
            db.session.remove()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_a_live_site_backs_up_and_restores_whole(app, database_url, same_kind, tmp_path):
    """While gunicorn serves visitors and a manager posts incidents, does `flask backup` take
    a consistent copy that `flask restore` brings back into a fresh database — every
    incident, update and setting written before it started?"""
    build_page()
    base, web = start_gunicorn(tmp_path, environment(database_url))
    backup_file = tmp_path / "site.backup"
    try:
        with Traffic(app, base) as traffic:
            while len(traffic.written) < 5:
                time.sleep(0.05)
            before = read_page()
            made = flask("backup", str(backup_file), env=environment(database_url))
            after_backup = len(traffic.written)
            while len(traffic.written) < after_backup + 3:  # writes went on after it, too
                time.sleep(0.05)
    finally:
        web.stop()
    assert made.returncode == 0, made.stderr + made.stdout
    assert "Backed up to" in made.stdout
    assert traffic.statuses and set(traffic.statuses) == {200}
    db.session.remove()
    source = read_page()

    target = same_kind.url()
    restored = flask("restore", str(backup_file), env=environment(target))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    found = _read(target)
    assert found["settings"] == before["settings"]
    assert found["groups"] == before["groups"]
    for incident_id, seen in before["incidents"].items():
        if seen[2] == "monitoring":  # both of its commits landed before the backup began
            assert found["incidents"][incident_id] == seen
        else:  # the manager's second commit may have landed before the backup, too
            assert incident_id in found["incidents"]
    # Consistent: an incident caught between two of its commits is there as it was then:
    # its status is its latest update's, and its updates are the source's first ones.
    for incident_id, seen in found["incidents"].items():
        kind, name, status, *_, updates, affected = seen
        assert status == updates[0][0]
        assert source["incidents"][incident_id][5][-len(updates) :] == updates


def test_restore_refuses_a_page_unless_forced(databases, tmp_path):
    """Restoring over a database that holds a page: refused with the reason, done with --force?"""
    first, second = databases.url(), databases.url()
    for url, name in ((first, "Kept"), (second, "Overwritten")):
        with databases.app(url).app_context():
            upgrade()
            components.create_component(name=name, actor="test")
            db.session.remove()
    backup_file = tmp_path / "first.backup"
    assert flask("backup", str(backup_file), env=environment(first)).returncode == 0
    refused = flask("restore", str(backup_file), env=environment(second))
    assert refused.returncode != 0
    assert "already holds a page (1 component row)" in refused.stderr
    assert "--force" in refused.stderr
    assert [c[1] for c in _read(second)["components"]] == ["Overwritten"]
    forced = flask("restore", "--force", str(backup_file), env=environment(second))
    assert forced.returncode == 0, forced.stderr
    assert [c[1] for c in _read(second)["components"]] == ["Kept"]
    again = flask("backup", str(backup_file), env=environment(first))
    assert again.returncode != 0 and "already exists" in again.stderr


def test_a_backup_is_readable_by_its_owner_only(databases, tmp_path, world_readable_umask):
    """It holds TOTP secrets, subscriber addresses and token hashes: under the usual umask
    (0022), can other users of the machine read a backup? (They must not.)"""
    url = databases.url()
    with databases.app(url).app_context():
        upgrade()
        db.session.remove()
    backup_file = tmp_path / "site.backup"
    made = flask("backup", str(backup_file), env=environment(url))
    assert made.returncode == 0, made.stderr
    assert backup_file.stat().st_mode & 0o777 == 0o600
    forced = flask("backup", "--force", str(backup_file), env=environment(url))
    assert forced.returncode == 0, forced.stderr
    assert backup_file.stat().st_mode & 0o777 == 0o600


def test_an_older_backup_is_migrated_on_restore(databases, tmp_path):
    """A backup taken before the latest migration: is it upgraded as it is restored?"""
    old, new = databases.url(), databases.url()
    with databases.app(old).app_context():
        upgrade(revision="0006")
        # Today's services write tables 0006 has not got (the mirror's change log):
        # the old version's row goes in as a plain insert.
        db.session.execute(
            insert(Component.__table__).values(name="From the old version", status="operational")
        )
        db.session.commit()
        db.session.remove()
    backup_file = tmp_path / "old.backup"
    assert flask("backup", str(backup_file), env=environment(old)).returncode == 0
    restored = flask("restore", str(backup_file), env=environment(new))
    assert restored.returncode == 0, restored.stderr
    assert "Running upgrade 0006 -> " in restored.stderr
    with databases.app(new).app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert db.session.scalar(text("SELECT action FROM audit_event ORDER BY id DESC")) == (
            "backup.restore"
        )
        db.session.remove()
    assert [c[1] for c in _read(new)["components"]] == ["From the old version"]


def test_bad_backup_files_are_refused_clearly(databases, tmp_path):
    """A file that is not a backup, or a backup of the other kind of database: a clear
    message, and the database untouched?"""
    url = databases.url()
    with databases.app(url).app_context():
        upgrade()
        db.session.remove()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    refused = flask("restore", str(junk), env=environment(url))
    assert refused.returncode != 0 and "is not a Herald backup" in refused.stderr
    other = tmp_path / "other-kind.backup"
    if databases.kind == "postgresql":
        sqlite3.connect(other).execute("CREATE TABLE alembic_version (version_num TEXT)")
        expected = "is a sqlite backup and DATABASE_URL is postgresql"
    else:
        other.write_bytes(b"PGDMP" + b"\0" * 64)
        expected = "is a postgresql backup and DATABASE_URL is sqlite"
    refused = flask("restore", str(other), env=environment(url))
    assert refused.returncode != 0 and expected in refused.stderr
    assert "flask export" in refused.stderr


def test_without_the_postgresql_tools_the_message_says_what_to_install(tmp_path):
    """On a host without pg_dump, does `flask backup` say which package to install?"""
    from tests.conftest import PG_ADMIN_DSN

    env = environment(PG_ADMIN_DSN, PATH=os.path.dirname(sys.executable))
    result = flask("backup", str(tmp_path / "x.backup"), env=env)
    assert result.returncode != 0
    assert "pg_dump was not found" in result.stderr
    assert "apt-get install postgresql-client" in result.stderr
    assert not (tmp_path / "x.backup").exists()


@pytest.fixture(autouse=True)
def _no_leftover_partial_files(tmp_path):
    yield
    assert not list(tmp_path.glob(".*.partial"))
