"""Time the first render after a change, in process, on the benchmark data.

    .venv/bin/python bench/render.py                       # SQLite, 100,000 and 100 incidents
    .venv/bin/python bench/render.py --postgres postgresql://postgres@127.0.0.1:5432/herald_render

Each sample moves the page version on by a real status change (a component
goes degraded, then back), then requests every URL once through the Flask
test client: a cache miss, so the view renders, and the response is stored
and compressed as in production. Prints the median of the samples per URL.
SQLite databases are seeded by bench/seed.py under --work when missing; with
--postgres, one database per history size is created beside the one named
(`<name>_100000`, `<name>_100`) and seeded when missing, and dropped with --drop.
The databases are migrated to the latest schema first (the seeded data may predate
an index). Alembic logs go to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.config import normalise_database_url  # noqa: E402

PATHS = ("/", "/uptime", "/history.atom", "/history.rss", "/api/v2/summary.json")
SIZES = (100_000, 100)
TARGET_MS = 50.0
WORK = Path(tempfile.gettempdir()) / "herald-render"


def _seed(database_url: str, count: int) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "seed.py"), "--incidents", str(count), "--reset"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


def sqlite_database(work: Path, count: int) -> str:
    path = work / f"s{count}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        _seed(url, count)
    return url


def _admin_engine(base):
    return create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")


def postgres_database(base_url: str, count: int) -> str:
    base = make_url(normalise_database_url(base_url))
    name = f"{base.database}_{count}"
    engine = _admin_engine(base)
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    if not exists:
        _seed(url, count)
    return url


def drop_postgres(base_url: str) -> None:
    base = make_url(normalise_database_url(base_url))
    engine = _admin_engine(base)
    with engine.connect() as conn:
        for count in SIZES:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}_{count}"'))
    engine.dispose()


def first_renders(database_url: str, samples: int) -> dict[str, tuple[float, int]]:
    """URL → (median milliseconds of the first request after a change, body bytes)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import components

    uri = normalise_database_url(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()  # the benchmark data may predate the latest index
    client = app.test_client()
    times: dict[str, list[float]] = {path: [] for path in PATHS}
    sizes: dict[str, int] = {}
    statuses = ("degraded_performance", "operational")
    for index in range(samples + 1):
        with app.app_context():
            target = components.list_components()[0]
            components.set_status(target, statuses[index % 2], actor="bench")
            db.session.remove()
        for path in PATHS:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            sizes[path] = len(response.data)
            if index:  # the first round warms imports, templates and connections
                times[path].append(elapsed)
    with app.app_context():
        db.engine.dispose()
    return {path: (statistics.median(values), sizes[path]) for path, values in times.items()}


def report(label: str, results: dict[str, tuple[float, int]]) -> None:
    print(f"\n{label}")
    for path, (ms, size) in results.items():
        verdict = "ok" if ms <= TARGET_MS else "OVER"
        print(f"  {path:<22} {ms:7.1f} ms  {size / 1024:7.1f} KB  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--postgres", help="a PostgreSQL URL; its database name is the prefix")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL databases after")
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--incidents", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    print(f"First request after a change: median of {args.samples}, target ≤ {TARGET_MS:.0f} ms")
    for count in args.incidents:
        if args.postgres:
            url, engine = postgres_database(args.postgres, count), "PostgreSQL"
        else:
            url, engine = sqlite_database(args.work, count), "SQLite"
        report(f"{engine}, {count:,} past incidents", first_renders(url, args.samples))
    if args.postgres and args.drop:
        drop_postgres(args.postgres)


if __name__ == "__main__":
    main()
