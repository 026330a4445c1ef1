"""How far behind is the static mirror after a change, at 100 and 100,000 incidents?

    .venv/bin/python bench/mirror.py                      # 100 then 100,000 past incidents
    .venv/bin/python bench/mirror.py --incidents 100      # the small run only

For each history size: a SQLite database seeded by bench/seed.py (kept in
/tmp/herald-bench-mirror between runs; the 100,000 seed takes a few minutes,
once), then

1. `flask publish DIR` as an operator runs it (its progress bar on screen),
   timed from start to exit: the full publish;
2. `flask worker` with HERALD_PUBLISH_DIR=DIR in a process of its own, as in
   scale-out (its mirror job polls the database every 0.5 s);
3. from this process, as a manager in the admin would, ROUNDS times: open an
   incident, post an update, resolve it (each through the services). After
   each commit the mirror's files are polled every 10 ms: the time until
   `/` (index.html) and the incident's page show the change, and until the
   job has finished everything the change touched (its marker at the
   change's generation: the feeds, API documents and, after a resolution,
   every history page whose list moved).

Goal: `/` and the incident page current within 2 s at both sizes. Writes the
"static mirror" section of bench/RESULTS.md and keeps the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = ROOT / ".venv" / "bin"
WORK = Path(tempfile.gettempdir()) / "herald-bench-mirror"
ROUNDS = 5
GIVE_UP_SECONDS = 600.0
POLL_SECONDS = 0.01
BEGIN, END = "<!-- begin bench/mirror.py -->", "<!-- end bench/mirror.py -->"

sys.path.insert(0, str(ROOT))


def seeded_database(count: int) -> str:
    path = WORK / f"s{count}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.monotonic()
        subprocess.run(
            [str(VENV / "python"), str(BENCH / "seed.py"), "--incidents", str(count)],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )
        print(f"seeded {count} incidents in {time.monotonic() - started:.0f} s")
    subprocess.run(
        [str(VENV / "flask"), "--app", "wsgi", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return url


def environment(database_url: str, mirror: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HERALD_ENV": "production",
        "SECRET_KEY": "bench-only-secret",
        "SITE_URL": "http://127.0.0.1:5690",
        "HERALD_TICK_SECONDS": "30",
        "HERALD_LOG_FORMAT": "text",
    }
    if mirror is not None:
        env["HERALD_PUBLISH_DIR"] = str(mirror)
    return env


def full_publish(database_url: str, mirror: Path) -> tuple[float, int]:
    """`flask publish DIR`, its progress bar shown; seconds and files written."""
    started = time.monotonic()
    done = subprocess.run(
        [str(VENV / "flask"), "--app", "wsgi", "publish", str(mirror)],
        env=environment(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    print(done.stdout, end="")
    files = int(done.stdout.split("Published ", 1)[1].split(" ", 1)[0])
    return seconds, files


def marker_generation(mirror: Path) -> str | None:
    try:
        return json.loads((mirror / ".herald-mirror").read_bytes())["generation"]
    except (OSError, ValueError, KeyError):
        return None


def since(started: float, condition) -> float:
    """Seconds from `started` until `condition()` holds (polled every 10 ms, bounded)."""
    while not condition():
        if time.monotonic() - started > GIVE_UP_SECONDS:
            raise SystemExit("gave up waiting for the mirror")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def contains(path: Path, text: str, present: bool = True) -> bool:
    try:
        return (text.encode() in path.read_bytes()) == present
    except OSError:
        return False


def rounds(mirror: Path, count: int) -> list[dict]:
    """Open, update, resolve an incident ROUNDS times; time the mirror catching up."""
    from app.services import incidents

    figures = []
    for number in range(1, ROUNDS + 1):
        name = f"Bench incident {count}-{number}-{time.time_ns()}"
        opened = incidents.open_incident(
            name=name, impact="major", message="Bench: looking into it.", actor="bench"
        )
        figures.append(measure(mirror, "open", opened.id, (name, True), name))
        found = f"{name}: found it."
        incidents.post_update(opened, status="identified", message=found, actor="bench")
        figures.append(measure(mirror, "update", opened.id, (found, True), found))
        fixed = f"{name}: fixed."
        incidents.post_update(opened, status="resolved", message=fixed, actor="bench")
        figures.append(measure(mirror, "resolve", opened.id, (name, False), fixed))
        for figure in figures[-3:]:
            print(
                f"  {count:>7} incidents  round {number}  {figure['step']:<8} "
                f"/ {figure['index']:.2f} s  incident page {figure['incident']:.2f} s  "
                f"everything {figure['all']:.2f} s",
                flush=True,
            )
    return figures


def measure(mirror: Path, step: str, incident_id: int, index: tuple[str, bool], text: str):
    """Seconds from a change's commit (just now) until the mirror shows it."""
    from app.extensions import db
    from app.mirror.changes import generation

    committed = time.monotonic()
    current = generation(db.session)
    db.session.remove()
    page = mirror / "incidents" / str(incident_id) / "index.html"
    return {
        "step": step,
        "index": since(committed, lambda: contains(mirror / "index.html", *index)),
        "incident": since(committed, lambda: contains(page, text)),
        "all": since(committed, lambda: _at_or_past(marker_generation(mirror), current)),
    }


def _at_or_past(published: str | None, wanted: str) -> bool:
    if published is None:
        return False
    return int(published.split("-")[0]) >= int(wanted.split("-")[0])


def run(count: int) -> dict:
    from app import create_app

    database_url = seeded_database(count)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    mirror = scratch / "mirror"
    worker = None
    try:
        publish_seconds, files = full_publish(database_url, mirror)
        log = open(scratch / "worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [str(VENV / "flask"), "--app", "wsgi", "worker"],
            env=environment(database_url, mirror),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False, "SECRET_KEY": "bench"}
        )
        with app.app_context():
            time.sleep(3)  # the job's first run after a start refreshes the page-wide files
            figures = rounds(mirror, count)
        return {"count": count, "publish": publish_seconds, "files": files, "rounds": figures}
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def summary(result: dict) -> list[str]:
    count = result["count"]
    lines = [
        f"### {count:,} past incidents",
        "",
        f"Full publish (`flask publish DIR`): {result['publish']:.1f} s for "
        f"{result['files']:,} files.",
        "",
        "| change | `/` current (median / max) | incident page current | everything "
        "the change touched |",
        "|---|---:|---:|---:|",
    ]
    for step in ("open", "update", "resolve"):
        rows = [r for r in result["rounds"] if r["step"] == step]
        cells = []
        for key in ("index", "incident", "all"):
            values = [r[key] for r in rows]
            cells.append(f"{statistics.median(values):.2f} / {max(values):.2f} s")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    met = all(r["index"] <= 2 and r["incident"] <= 2 for r in result["rounds"])
    lines += ["", f"Goal (`/` and incident page ≤ 2 s): {'met' if met else 'NOT met'}.", ""]
    return lines


def write_results(lines: list[str]) -> None:
    results = BENCH / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    section = "\n".join(
        [
            BEGIN,
            "## Static mirror: from a change to the mirror (bench/mirror.py)",
            "",
            f"`bench/mirror.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}. "
            "SQLite; `flask worker` with HERALD_PUBLISH_DIR in its own process; each change "
            f"made through the services from a third process, {ROUNDS} rounds of open → "
            "update → resolve; times from the commit to the file being current, polled "
            "every 10 ms.",
            "",
            *lines,
            END,
        ]
    )
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        text = head + section + rest.partition(END)[2]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description="How far behind is the static mirror?")
    parser.add_argument("--incidents", type=int, nargs="+", default=[100, 100_000])
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for count in args.incidents:
        result = run(count)
        part = summary(result)
        print("\n".join(part), flush=True)
        lines += part
    write_results(lines)
    print(f"written to {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
