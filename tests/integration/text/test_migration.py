"""Rows an older version stored with unshowable characters: does upgrading repair them?

Each test builds its own database (the repair is undone by nothing, so the shared
test database is not used): a site is written, spoiled with raw SQL, taken back
to revision 0004 and upgraded again, which runs the repair on the spoiled rows.
"""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent, Component
from app.services.page import get_settings
from app.text import find_unshowable
from tests.conftest import make_app
from tests.integration.text.helpers import (
    BODIES,
    SHORT_NAMES,
    TITLES,
    build_site,
    fetch_every_public_url,
    spoil_every_text_column,
)
from tests.live import throwaway_postgres
from tests.unshowable import TERMINAL_LINE_CLEAN, cleaned

BEFORE_REPAIR = "0004"
ONE_LINE = [*SHORT_NAMES, TITLES] + [
    ("page_settings", column) for column in ("name", "url", "logo_url", "support_url")
]


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path):
    """An app on a new, empty database of its own."""
    if request.param == "sqlite":
        app = make_app(f"sqlite:///{tmp_path / 'repair.db'}")
        yield app
        with app.app_context():
            db.engine.dispose()
        return
    with throwaway_postgres("herald_repair") as (_, _, url):
        app = make_app(url)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _values(table: str, column: str) -> list[str]:
    query = text(f'SELECT "{column}" FROM "{table}" ORDER BY id')  # noqa: S608
    return [value for value in db.session.scalars(query) if value is not None]


def _spoil_names_that_would_collide() -> list[int]:
    """Three components: one to become "Edge" beside an "edge", one left with no name."""
    ids = db.session.scalars(select(Component.id).order_by(Component.id)).all()
    for row_id, name in zip(ids, ["Edge\x0b", "edge", "\x01\x1b[0m\x02"], strict=True):
        db.session.execute(
            text("UPDATE component SET name = :name WHERE id = :id"), {"name": name, "id": row_id}
        )
    db.session.execute(text("UPDATE page_settings SET logo_url = :url"), {"url": " \x01 "})
    db.session.commit()
    return ids


def _rerun_the_repair() -> None:
    db.session.remove()
    downgrade(revision=BEFORE_REPAIR)
    upgrade()
    db.session.expire_all()


def test_upgrading_repairs_every_user_written_column(fresh_app):
    """After upgrading a database whose rows hold control characters, noncharacters,
    terminal colour codes and CR line endings, is every text column clean, with the
    words kept, and does the audit log say what was repaired?"""
    with fresh_app.app_context():
        upgrade()
        build_site()
        chars = spoil_every_text_column()
        ids = _spoil_names_that_would_collide()
        version = get_settings().version
        _rerun_the_repair()

        for table, column in ONE_LINE + BODIES:
            for value in _values(table, column):
                assert find_unshowable(value) is None, (table, column, value)
                assert "\r" not in value, (table, column)
        for table, column in ONE_LINE:
            assert not any("\n" in value for value in _values(table, column)), (table, column)
        assert _values("incident_update", "body")[0] == (
            f"{TERMINAL_LINE_CLEAN}{cleaned(chars)}\nend 0\n"
        )
        titles = _values("incident", "name")
        assert titles[0].startswith("Disk 0 ") and titles[0].endswith(" full")
        names = {row_id: db.session.get(Component, row_id).name for row_id in ids}
        assert names == {ids[0]: f"Edge ({ids[0]})", ids[1]: "edge", ids[2]: f"Component {ids[2]}"}
        settings = get_settings()
        assert settings.logo_url is None and settings.name.startswith("Acme")
        assert settings.version == version + 1

        event = db.session.scalars(select(AuditEvent).filter_by(action="text.repair")).one()
        repaired = event.details["repaired"]
        assert repaired["component.name"] == 2 and repaired["incident_update.body"] >= 6
        assert set(repaired) == {f"{table}.{column}" for table, column in ONE_LINE + BODIES}


def test_a_clean_database_is_left_untouched(fresh_app):
    """Does upgrading a database with nothing to repair change no row, record nothing and
    keep every page cached (the page version stays)?"""
    with fresh_app.app_context():
        upgrade()
        build_site()
        before = {(t, c): _values(t, c) for t, c in ONE_LINE + BODIES}
        version = get_settings().version
        _rerun_the_repair()
        assert {(t, c): _values(t, c) for t, c in ONE_LINE + BODIES} == before
        assert get_settings().version == version
        assert db.session.scalars(select(AuditEvent).filter_by(action="text.repair")).all() == []
        assert set(fetch_every_public_url(fresh_app).values()) >= {"xml", "ical", "json"}
