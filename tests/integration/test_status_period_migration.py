"""Migration 0005 on a database that an older Herald left with a split status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Component, ComponentStatusPeriod
from tests.conftest import make_app
from tests.live import throwaway_database

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _period(component, status, start, end=None):
    return ComponentStatusPeriod(
        component_id=component.id, status=status, started_at=start, ended_at=end
    )


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
                split = Component(name="API", status="major_outage", position=1)
                calm = Component(name="Web", status="operational", position=2)
                db.session.add_all([split, calm])
                db.session.flush()
                db.session.add_all(
                    [
                        _period(split, "operational", T0, T0 + timedelta(hours=1)),
                        _period(split, "degraded_performance", T0 + timedelta(hours=1)),
                        _period(split, "partial_outage", T0 + timedelta(hours=2)),
                        _period(split, "major_outage", T0 + timedelta(hours=3)),
                        _period(calm, "operational", T0),
                    ]
                )
                db.session.commit()
                split_id, calm_id = split.id, calm.id

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
                db.session.add(_period(db.session.get(Component, calm_id), "major_outage", T0))
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
