"""How far behind is the static mirror after a change, at 100 and 100,000 incidents?

    .venv/bin/python bench/mirror.py                      # 100 then 100,000 past incidents
    .venv/bin/python bench/mirror.py --incidents 100      # the small run only

For each history size: a SQLite database seeded by bench/seed.py (kept in
/tmp/herald-bench-mirror between runs; the 100,000 seed takes a few minutes,
once), then

1. `flask publish DIR` as an operator runs it (in a terminal, its progress bar
   drawing), timed from start to exit; past --publish-budget seconds (the
   100,000 publish takes far longer on a busy 2-core machine) it is stopped and
   its time extrapolated from the bar's position, and a stand-in mirror (the
   marker of a complete one) takes its place for what follows;
2. `flask worker` with HERALD_PUBLISH_DIR=DIR in a process of its own, as in
   scale-out (its mirror job polls the database every 0.25 s);
3. from this process, as a manager in the admin would, ROUNDS times: open an
   incident, post an update, resolve it (each through the services). After
   each commit the mirror's files are polled every 10 ms: the time until
   `/` (index.html) and the incident's page show the change, and until the
   job's first pass is done (its marker at the change's generation: every
   page-wide document current). The history pages a resolution moves follow
   in the background, and give way to the next change.

Goal: `/` and the incident page current within 2 s at both sizes. Writes the
"static mirror" section of bench/RESULTS.md and keeps the rest.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import signal
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
SITE_URL = "http://127.0.0.1:5690"
BEGIN, END = "<!-- begin bench/mirror.py -->", "<!-- end bench/mirror.py -->"

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from results import write_section  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001 - progress as it happens


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
        "SITE_URL": SITE_URL,
        "HERALD_TICK_SECONDS": "30",
        "HERALD_LOG_FORMAT": "text",
    }
    if mirror is not None:
        env["HERALD_PUBLISH_DIR"] = str(mirror)
    return env


def full_publish(database_url: str, mirror: Path, budget: float) -> dict:
    """`flask publish DIR` in a terminal (so its progress bar draws), timed to its exit; past
    `budget` seconds it is stopped and its time extrapolated from the bar's position."""
    command = f"{VENV / 'flask'} --app wsgi publish {mirror}"
    started = time.monotonic()
    process = subprocess.Popen(
        ["script", "-qfec", command, "/dev/null"],
        env=environment(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stopped as a group: `script` and the publish under it
    )
    os.set_blocking(process.stdout.fileno(), False)
    output = b""
    while process.poll() is None and time.monotonic() - started < budget:
        time.sleep(1)
        output += process.stdout.read() or b""
    seconds = time.monotonic() - started
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        done, total = _progress(output)
        print(f"\nstopped after {seconds:.0f} s at {done:,} of {total:,} pages")
        return {"seconds": seconds * total / max(done, 1), "files": total, "estimated": True}
    output += process.stdout.read() or b""
    text = output.decode(errors="replace")
    print(text.rsplit("\r", 1)[-1].strip())
    files = int(text.split("Published ", 1)[1].split(" ", 1)[0])
    return {"seconds": seconds, "files": files, "estimated": False}


def _progress(output: bytes) -> tuple[int, int]:
    """The last "done/total" click's progress bar drew."""
    found = re.findall(rb"(\d+)/(\d+)", output)
    done, total = found[-1] if found else (b"0", b"1")
    return int(done), int(total)


def stand_in_mirror(database_url: str, mirror: Path) -> None:
    """When the full publish did not finish: the marker of a complete mirror of the
    current database (as seed.py stands in for years of use), so the job starts from
    "published" and every change after is timed as it would be."""
    from app import create_app
    from app.extensions import db
    from app.mirror.changes import generation
    from app.mirror.files import Marker
    from app.mirror.publish import History, build_of

    app = create_app(_app_config(database_url))
    mirror.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        Marker(generation(db.session), build_of(app), History.read().fingerprints()).save(mirror)
        db.session.remove()


def _app_config(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": False,
        "SECRET_KEY": "bench",
        "SITE_URL": SITE_URL,
    }


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
        # A resolved incident stays on `/` (the last days), with its last update.
        figures.append(measure(mirror, "resolve", opened.id, (fixed, True), fixed))
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


def run(count: int, budget: float) -> dict:
    from app import create_app

    database_url = seeded_database(count)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    mirror = scratch / "mirror"
    worker = None
    try:
        publish = full_publish(database_url, mirror, budget)
        if publish["estimated"]:
            shutil.rmtree(scratch)
            scratch.mkdir()
            stand_in_mirror(database_url, mirror)
        marker = mirror / ".herald-mirror"
        published = marker.stat().st_mtime_ns
        log = open(scratch / "worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [str(VENV / "flask"), "--app", "wsgi", "worker"],
            env=environment(database_url, mirror),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        app = create_app(_app_config(database_url))
        with app.app_context():
            # The job's first run after a start refreshes the page-wide files: wait for it
            # (it rewrites the marker) and a little more, so no change is timed behind it.
            since(time.monotonic(), lambda: marker.stat().st_mtime_ns != published)
            time.sleep(5)
            figures = rounds(mirror, count)
        return {"count": count, "publish": publish, "rounds": figures}
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
        f"Full publish (`flask publish DIR`): {_publish_line(result['publish'])}",
        "",
        "| change | `/` current (median / max) | incident page current | all page-wide "
        "documents current |",
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


def _publish_line(publish: dict) -> str:
    if publish["estimated"]:
        return (
            f"about {publish['seconds'] / 60:,.0f} min for {publish['files']:,} pages "
            "(extrapolated from its progress bar when stopped at the time budget; the "
            "timings below then start from a stand-in mirror, see the script)."
        )
    return f"{publish['seconds']:.1f} s, {publish['files']:,} files."


def write_results(lines: list[str]) -> None:
    write_section(
        BEGIN,
        END,
        [
            "## Static mirror: from a change to the mirror (bench/mirror.py)",
            "",
            f"`bench/mirror.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}. "
            "SQLite; `flask worker` with HERALD_PUBLISH_DIR in its own process; each change "
            f"made through the services from a third process, {ROUNDS} rounds of open → "
            "update → resolve; times from the commit to the file being current, polled "
            "every 10 ms.",
            "",
            *lines,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="How far behind is the static mirror?")
    parser.add_argument("--incidents", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument(
        "--publish-budget",
        type=float,
        default=600,
        help="seconds before the full publish is stopped and its time extrapolated",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for count in args.incidents:
        result = run(count, args.publish_budget)
        part = summary(result)
        print("\n".join(part), flush=True)
        lines += part
    write_results(lines)
    print(f"written to {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
