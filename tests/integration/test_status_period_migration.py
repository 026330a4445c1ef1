"""Migration 0005 on a database that an older Herald left with a split status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Component, ComponentStatusPeriod
from tests.conftest import make_app
from tests.live import throwaway_database

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _period(component_id, status, start, end=None):
    return ComponentStatusPeriod(
        component_id=component_id, status=status, started_at=start, ended_at=end
    )


def _component(name: str, status: str, position: int) -> int:
    """A component row as the old schema holds it: only the columns that existed then (the
    model has columns added by later migrations)."""
    values = {"name": name, "status": status, "position": position}
    return db.session.execute(insert(Component.__table__).values(**values)).inserted_primary_key[0]


def _periods(component_id):
    rows = db.session.scalars(
        select(ComponentStatusPeriod)
        .where(ComponentStatusPeriod.component_id == component_id)
        .order_by(ComponentStatusPeriod.started_at, ComponentStatusPeriod.id)
    )
    return [(p.status, p.started_at, p.ended_at) for p in rows]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrading_repairs_split_statuses_then_refuses_them(kind, tmp_path):
    """A component an older version left with three "current" statuses: after upgrading,
    does it have one unbroken history — and does the database refuse a second one now?"""
    with throwaway_database(kind, tmp_path) as url:
        app = make_app(url)
        try:
            with app.app_context():
                upgrade(revision="0004")
                split_id = _component("API", "major_outage", 1)
                calm_id = _component("Web", "operational", 2)
                db.session.add_all(
                    [
                        _period(split_id, "operational", T0, T0 + timedelta(hours=1)),
                        _period(split_id, "degraded_performance", T0 + timedelta(hours=1)),
                        _period(split_id, "partial_outage", T0 + timedelta(hours=2)),
                        _period(split_id, "major_outage", T0 + timedelta(hours=3)),
                        _period(calm_id, "operational", T0),
                    ]
                )
                db.session.commit()

                upgrade(revision="0005")
                db.session.rollback()
                hour = [T0 + timedelta(hours=n) for n in range(4)]
                assert _periods(split_id) == [
                    ("operational", hour[0], hour[1]),
                    ("degraded_performance", hour[1], hour[2]),
                    ("partial_outage", hour[2], hour[3]),
                    ("major_outage", hour[3], None),
                ]
                assert _periods(calm_id) == [("operational", T0, None)]
                db.session.add(_period(calm_id, "major_outage", T0))
                with pytest.raises(IntegrityError):
                    db.session.flush()
                db.session.rollback()

                downgrade(revision="0004")
                upgrade()
                db.session.rollback()
                assert _periods(calm_id) == [("operational", T0, None)]
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
