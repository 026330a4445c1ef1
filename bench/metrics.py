"""Time the admin metrics page on 100,000 incidents, against a bare admin page.

    .venv/bin/python bench/metrics.py                  # SQLite
    .venv/bin/python bench/metrics.py --postgres postgresql://postgres@127.0.0.1:5432/herald_metrics

Two databases of bench/seed.py's data (50 components, two years of status periods, one
affected component per incident), each with 100,000 incidents, classified (every pair
of internal impact and urgency alike, priority from the default matrix):
- history: as bench/seed.py lays them, three a day going back (a long history; a
  period holds what three a day make);
- dense: five minutes apart, so the last 366 days hold all 100,000 — the worst case
  for a page that aggregates a period's incidents (288 incidents a day).
Each round requests every URL once through the Flask test client as a logged-in admin;
rounds interleave the URLs, so a slow moment of the machine hits them alike. Prints
median and p95 per URL and writes them to their own section of bench/RESULTS.md
(the rest of the file is kept). SQLite databases live under --work; PostgreSQL ones
are created beside the one named (`<name>_history`, `<name>_dense`) when missing and
dropped with --drop.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import seed as bench_seed  # noqa: E402
from results import write_section  # noqa: E402
from sqlalchemy import create_engine, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.config import normalise_database_url  # noqa: E402

INCIDENTS = 100_000
SPACINGS = {"history": bench_seed.INCIDENT_SPACING, "dense": timedelta(minutes=5)}
TARGET_MS = 200.0
WORK = Path(tempfile.gettempdir()) / "herald-metrics"
BEGIN, END = "<!-- begin bench/metrics.py -->", "<!-- end bench/metrics.py -->"
ADMIN, PASSWORD = "bench@example.com", "a long bench passphrase"
NOTE = (
    "What the rows cost: the incident figures are two aggregate queries over the "
    "period's incidents (index `ix_incident_metrics`): per-day counts and restore times "
    "in one pass, and the gaps between interruptions in a narrow window query; "
    "availability is one aggregate over the status periods that weigh. So they grow with "
    "the incidents *in the period*, not in the database. The dense 366-day rows read "
    "100,000 incidents twice: PostgreSQL does it in about half the budget, SQLite only "
    "just within it on a quiet machine and over it when the machine is busy (its window "
    "over 100,000 rows alone costs about 75 ms, its per-day grouping as much; only "
    "figures stored per day as incidents change would avoid reading them). p95 moves "
    "with the other work on this shared machine.\n"
)
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _urls(today) -> dict[str, str]:
    year = (today - timedelta(days=365)).isoformat()
    return {
        "bare admin page (baseline)": "/admin/account",
        "metrics, last 30 days": "/admin/metrics",
        "metrics, last 90 days, one component": "/admin/metrics?period=90&component=1",
        "metrics, 366 days": f"/admin/metrics?period=custom&since={year}&until={today.isoformat()}",
        "metrics CSV, 366 days": f"/admin/metrics.csv?period=custom&since={year}"
        f"&until={today.isoformat()}",
    }


def _seed(url: str, dataset: str) -> None:
    bench_seed.INCIDENT_SPACING = SPACINGS[dataset]
    bench_seed.seed(INCIDENTS, True, url)
    from app import create_app
    from app.extensions import db
    from app.models import Incident
    from app.services import priority

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url)})
    with app.app_context():
        cells = list(priority.DEFAULT_MATRIX.items())
        for index, ((impact, urgency), value) in enumerate(cells):
            db.session.execute(
                update(Incident)
                .where(text(f"incident.id % {len(cells)} = {index}"))
                .values(internal_impact=impact, urgency=urgency, priority=value)
            )
        db.session.commit()
        # Fresh statistics and visibility, as autovacuum (PostgreSQL) or a DBA (SQLite)
        # would give a database that grew slowly: plans for a bulk load without them are
        # guesses, and PostgreSQL reads the covering index alone only for pages vacuumed.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM"))
            conn.execute(text("ANALYZE"))
        db.engine.dispose()


def sqlite_database(work: Path, dataset: str) -> str:
    path = work / f"metrics-{dataset}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        _seed(url, dataset)
    return url


def _postgres_admin(base):
    return create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")


def postgres_database(base_url: str, dataset: str) -> str:
    base = make_url(normalise_database_url(base_url))
    name = f"{base.database}_{dataset}"
    engine = _postgres_admin(base)
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    if not exists:
        _seed(url, dataset)
    return url


def drop_postgres(base_url: str) -> None:
    base = make_url(normalise_database_url(base_url))
    engine = _postgres_admin(base)
    with engine.connect() as conn:
        for dataset in SPACINGS:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}_{dataset}"'))
    engine.dispose()


def _logged_in_client(app):
    from app.extensions import db
    from app.models import User
    from app.services import users

    with app.app_context():
        if db.session.scalar(db.select(User).where(User.email == ADMIN)) is None:
            users.create_user(email=ADMIN, password=PASSWORD, role="admin", actor="bench")
    client = app.test_client()
    token = _CSRF.search(client.get("/admin/login").get_data(as_text=True)).group(1)
    answer = client.post(
        "/admin/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code
    return client


def measure(database_url: str, rounds: int) -> dict[str, tuple[float, float, int]]:
    """Label → (median ms, p95 ms, bytes)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import utcnow

    uri = normalise_database_url(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    client = _logged_in_client(app)
    urls = _urls(utcnow().date())
    times: dict[str, list[float]] = {label: [] for label in urls}
    sizes: dict[str, int] = {}
    for index in range(rounds + 1):
        for label, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()  # a CSV streams: read it all
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            sizes[label] = len(body)
            if index:  # the first round warms imports, templates and connections
                times[label].append(elapsed)
    with app.app_context():
        db.engine.dispose()
    return {
        label: (statistics.median(v), statistics.quantiles(v, n=20)[-1], sizes[label])
        for label, v in times.items()
    }


def table(label: str, results: dict[str, tuple[float, float, int]]) -> list[str]:
    baseline = results["bare admin page (baseline)"][0]
    lines = [
        f"### {label}",
        "",
        "| page | median | p95 | median ÷ baseline | size | median ≤ 200 ms |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, (median, p95, size) in results.items():
        verdict = "yes" if median <= TARGET_MS else "NO"
        lines.append(
            f"| {name} | {median:.1f} ms | {p95:.1f} ms | {median / baseline:.1f} | "
            f"{size / 1024:.1f} KB | {verdict} |"
        )
    return [*lines, ""]


def write_results(sections: list[str], rounds: int) -> None:
    write_section(
        BEGIN,
        END,
        [
            "## Admin metrics page on 100,000 incidents (bench/metrics.py)",
            "",
            f"`bench/metrics.py` on {os.cpu_count()} cores (shared with other work), "
            f"{time.strftime('%Y-%m-%d %H:%M')}. bench/seed.py's data with {INCIDENTS:,} "
            "classified incidents: *history* three a day going back (as seed.py lays them), "
            "*dense* five minutes apart, all within the last 366 days (the worst case). "
            f"In-process Flask test client, logged in as an admin, {rounds} interleaved rounds "
            "after one warm-up; target: the page under 200 ms.",
            "",
            *sections,
            NOTE,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--postgres", help="a PostgreSQL URL (its database is created)")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database after")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--datasets", nargs="+", choices=list(SPACINGS), default=list(SPACINGS))
    args = parser.parse_args()
    runs = []
    for dataset in args.datasets:
        if not args.no_sqlite:
            runs.append((f"SQLite, {dataset}", sqlite_database(args.work, dataset)))
        if args.postgres:
            runs.append((f"PostgreSQL, {dataset}", postgres_database(args.postgres, dataset)))
    sections = []
    for engine, url in runs:
        results = measure(url, args.rounds)
        lines = table(engine, results)
        print("\n".join(lines))
        sections += lines
    write_results(sections, args.rounds)
    if args.postgres and args.drop:
        drop_postgres(args.postgres)


if __name__ == "__main__":
    main()
