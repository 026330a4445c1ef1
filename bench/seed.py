"""Seed a benchmark database fast: bulk inserts through SQLAlchemy Core.

    .venv/bin/python bench/seed.py --database-url sqlite:////tmp/herald-bench.db
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/herald_bench .venv/bin/python bench/seed.py

50 components in 8 groups, N resolved past incidents (default 100,000) with
5 updates each and one affected component, three a day going back from now
(so the last days look alike whatever N), and two years of status periods
per component. The schema comes from the real
migrations; the database must be empty unless --reset is given.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import func, inspect, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.config import normalise_database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    AffectedComponent,
    Component,
    ComponentGroup,
    ComponentStatusPeriod,
    Incident,
    IncidentUpdate,
    PageSettings,
)
from app.models.component import new_code  # noqa: E402

GROUPS = 8
COMPONENTS = 50
UPDATES = ("investigating", "identified", "identified", "monitoring", "resolved")
BATCH = 5_000
YEARS = 2
INCIDENT_SPACING = timedelta(hours=8)
BODY = (
    "We are investigating elevated error rates on the **{name}** API. Requests may fail "
    "or take longer than usual; retries succeed. Next update within 30 minutes."
)


def _batches(rows, size=BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn, table, rows, total: int, label: str) -> None:
    with click.progressbar(length=total, label=label.ljust(18), show_pos=True) as bar:
        for batch in _batches(rows):
            conn.execute(table.insert(), batch)
            bar.update(len(batch))


def _components(now: datetime):
    groups = [
        {
            "id": g + 1,
            "code": new_code(),
            "name": f"Region {g + 1}",
            "description": None,
            "position": g,
            "created_at": now,
            "updated_at": now,
        }
        for g in range(GROUPS)
    ]
    components = [
        {
            "id": c + 1,
            "code": new_code(),
            "name": f"Service {c + 1:02d}",
            "description": f"Service number {c + 1}",
            "group_id": c % GROUPS + 1,
            "position": c,
            "status": "operational",
            "showcase": True,
            "only_show_if_degraded": False,
            "start_date": None,
            "created_at": now - timedelta(days=365 * YEARS),
            "updated_at": now,
        }
        for c in range(COMPONENTS)
    ]
    return groups, components


def _periods(now: datetime, rng: random.Random):
    """Contiguous periods per component: operational, with a short outage every ~3 days."""
    start = now - timedelta(days=365 * YEARS)
    for component in range(1, COMPONENTS + 1):
        at = start
        while True:
            calm = at + timedelta(hours=rng.uniform(24, 120))
            if calm >= now:
                yield _period(component, "operational", at, None)
                break
            yield _period(component, "operational", at, calm)
            trouble = calm + timedelta(minutes=rng.uniform(10, 180))
            status = rng.choice(("degraded_performance", "partial_outage", "major_outage"))
            yield _period(component, status, calm, min(trouble, now))
            at = trouble


def _period(component_id, status, started_at, ended_at):
    return {
        "component_id": component_id,
        "status": status,
        "started_at": started_at,
        "ended_at": ended_at,
        "incident_id": None,
    }


def _incidents(count: int, now: datetime, rng: random.Random, codes: dict[int, str]):
    # A steady three a day going back: the recent days look the same with 100
    # or 100,000 incidents; only the depth of history differs.
    for number in range(1, count + 1):
        started = now - INCIDENT_SPACING * number - timedelta(hours=1)
        resolved = started + timedelta(minutes=rng.uniform(20, 240))
        component = rng.randint(1, COMPONENTS)
        yield (
            {
                "id": number,
                "kind": "incident",
                "name": f"Elevated errors on Service {component:02d} (#{number})",
                "status": "resolved",
                "impact": rng.choice(("minor", "major", "critical")),
                "created_at": started,
                "updated_at": resolved,
                "started_at": started,
                "monitoring_at": resolved - (resolved - started) / 4,
                "resolved_at": resolved,
            },
            component,
            codes[component],
        )


def seed(count: int, reset: bool, database_url: str | None) -> None:
    from flask_migrate import upgrade

    overrides = {"TESTING": False, "RATELIMIT_ENABLED": False}
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    app = create_app(overrides)
    rng = random.Random(20240501)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        click.echo(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
        if reset:
            db.metadata.drop_all(db.engine)
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        if "incident" in inspect(db.engine).get_table_names() and db.session.scalar(
            select(func.count(Component.id))
        ):
            raise click.ClickException("The database already has components; pass --reset.")
        db.session.remove()
        groups, components = _components(now)
        codes = {c["id"]: c["code"] for c in components}
        with db.engine.begin() as conn:
            conn.execute(ComponentGroup.__table__.insert(), groups)
            conn.execute(Component.__table__.insert(), components)
            periods = list(_periods(now, rng))
            _insert(conn, ComponentStatusPeriod.__table__, periods, len(periods), "status periods")
            incidents = list(_incidents(count, now, rng, codes))
            _insert(conn, Incident.__table__, (i for i, _, _ in incidents), count, "incidents")
            _insert(
                conn,
                AffectedComponent.__table__,
                (
                    {
                        "incident_id": i["id"],
                        "component_id": c,
                        "component_code": code,
                        "component_name": f"Service {c:02d}",
                        "position": 0,
                    }
                    for i, c, code in incidents
                ),
                count,
                "affected",
            )
            _insert(
                conn,
                IncidentUpdate.__table__,
                _updates(incidents),
                count * len(UPDATES),
                "incident updates",
            )
            conn.execute(update(PageSettings.__table__).values(version=PageSettings.version + 1))
            if conn.dialect.name == "postgresql":
                for table in ("component_group", "component", "incident"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        click.echo(f"Seeded {COMPONENTS} components, {count} incidents.")


def _updates(incidents):
    for incident, component, _ in incidents:
        started, resolved = incident["started_at"], incident["resolved_at"]
        step = (resolved - started) / (len(UPDATES) - 1)
        for index, status in enumerate(UPDATES):
            at = started + step * index
            yield {
                "incident_id": incident["id"],
                "status": status,
                "body": BODY.format(name=f"Service {component:02d}"),
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "author_id": None,
                "deliver_notifications": False,
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    args = parser.parse_args()
    seed(args.incidents, args.reset, args.database_url)


if __name__ == "__main__":
    main()
