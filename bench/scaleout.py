"""Scale-out against embedded, side by side in one run: per-host speed and cross-host freshness.

    .venv/bin/python bench/scaleout.py [--seconds 5] [--rounds 3] [--changes 20]

Starts, each under the production gunicorn settings (2 gthread workers, 4
threads) on 127.0.0.1 ports 5610-5629 only:

  bare     bench/bare_app.py (the machine's ceiling for a Flask response)
  embedded Herald on SQLite, no Redis (the one-command default)
  redis    hosts A and B on PostgreSQL + a private Redis, two `flask worker`s
  pg       hosts A and B on PostgreSQL alone (LISTEN/NOTIFY)

Each host has its own TMPDIR (its own host board), so what B knows of a
change on A came through Redis or PostgreSQL, as on separate machines. The
data: bench/seed.py with --incidents (100 by default) in both databases.

1. Throughput of a cached `/`: wrk -t2 -c32, rounds interleaved across the
   targets, medians, ratios against embedded (goals: redis >= 0.9, pg >= 0.8).
2. Freshness under a spike: wrk on both hosts while --changes status changes
   are made through host A's API; after each, host B is polled until its
   summary shows the change (median and worst; goal 250 ms), and wrk's error
   counts (every response must be a 200).
3. Faults (redis configuration): Redis stopped mid-spike (errors, the time a
   change then takes to show on B, bounded by the 2 s re-check), Redis back
   (freshness again), host A killed mid-spike (B's errors).
Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from results import write_section  # noqa: E402
from run import HOST, VENV, WORK, get, start, stop, wait_until_up, wrk  # noqa: E402

ROOT = BENCH.parent
GUNICORN = [str(VENV / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4"]
PG_URL = os.environ.get(
    "HERALD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/herald_bench_scaleout"
)
PORTS = {
    "bare": 5610,
    "embedded": 5611,
    "redis-a": 5612,
    "redis-b": 5613,
    "pg-a": 5614,
    "pg-b": 5615,
}
REDIS_PORT = 5620
BEGIN, END = "<!-- scaleout:begin -->", "<!-- scaleout:end -->"
STATUSES = ["major_outage", "partial_outage", "degraded_performance", "operational"]


def seed(database_url: str, incidents: int) -> None:
    print(f"seeding {database_url.split('@')[-1]} with {incidents} incidents…", flush=True)
    subprocess.run(
        [str(VENV / "python"), str(BENCH / "seed.py"), "--incidents", str(incidents), "--reset"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
    )


def ensure_pg_database() -> None:
    import psycopg

    admin_url, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def token_and_component(database_url: str) -> tuple[str, str]:
    """A manager API token and the first component's code, made in this process."""
    from app import create_app
    from app.extensions import db
    from app.services import api_tokens, components

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://")}
    )
    with app.app_context():
        _, secret = api_tokens.create_token(name=f"bench {time.time():.0f}", role="manager")
        db.session.commit()
        code = components.list_components()[0].code
        db.engine.dispose()
    return secret, code


class Redis:
    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()


def host(name: str, env: dict) -> subprocess.Popen:
    tmp = WORK / "scaleout" / name
    tmp.mkdir(parents=True, exist_ok=True)
    env = {"HERALD_ENV": "development", "SECRET_KEY": "bench", "TMPDIR": str(tmp), **env}
    process = subprocess.Popen(
        [*GUNICORN, "-b", f"{HOST}:{PORTS[name]}", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=open(tmp / "gunicorn.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_until_up(PORTS[name])
    return process


def change(port: int, token: str, code: str, status: str) -> None:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/components/{code}",
        data=json.dumps({"component": {"status": status}}).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200


def shows(port: int, code: str, status: str) -> bool:
    found = json.loads(get(port, "/api/v2/summary.json")[2])["components"]
    return next(c["status"] for c in found if c["id"] == code) == status


def seconds_until(port: int, code: str, status: str, limit: float = 10.0) -> float:
    """How long after now a request to `port` must be sent to show `status`.

    Measured at the send of the first request that shows it, so the time B takes to answer
    under the spike (queueing, not staleness) is not counted as staleness.
    """
    changed = time.perf_counter()
    while True:
        sent = time.perf_counter()
        if shows(port, code, status):
            return sent - changed
        if sent - changed > limit:
            return float("inf")
        time.sleep(0.002)


class Spike:
    """wrk on one port in the background; its figures when it ends."""

    def __init__(self, port: int, seconds: int):
        self.result = None
        self._thread = threading.Thread(target=self._run, args=(port, seconds))
        self._thread.start()

    def _run(self, port: int, seconds: int) -> None:
        command = ["/usr/bin/wrk", "-t1", "-c16", f"-d{seconds}s", "--timeout", "10s"]
        self.output = subprocess.run(
            [*command, f"http://{HOST}:{port}/"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout

    def join(self) -> int:
        """Answers other than 200, and requests that got no answer at all (socket errors)."""
        self._thread.join()
        found = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", self.output)
        failed = int(found.group(1)) if found else 0
        sockets = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", self.output
        )
        return failed + (sum(int(n) for n in sockets.groups()) if sockets else 0)


def freshness(config: str, token: str, code: str, changes: int, seconds: int) -> dict:
    a, b = PORTS[f"{config}-a"], PORTS[f"{config}-b"]
    spikes = [Spike(a, seconds), Spike(b, seconds)]
    time.sleep(0.5)
    waits = []
    for n in range(changes):
        status = STATUSES[n % len(STATUSES)]
        change(a, token, code, status)
        waits.append(seconds_until(b, code, status))
    errors = sum(s.join() for s in spikes)
    return {
        "median": statistics.median(waits),
        "worst": max(waits),
        "errors": errors,
        "n": len(waits),
    }


def faults(redis: Redis, token: str, code: str, processes: dict) -> dict:
    a, b = PORTS["redis-a"], PORTS["redis-b"]
    figures = {}
    spikes = [Spike(a, 12), Spike(b, 12)]
    time.sleep(1.5)
    redis.stop()
    down = []
    for status in STATUSES:
        change(a, token, code, status)
        down.append(seconds_until(b, code, status))
    figures["without_redis"] = statistics.median(down)
    figures["without_redis_worst"] = max(down)
    figures["errors_redis_down"] = sum(s.join() for s in spikes)
    redis.start()
    time.sleep(3)  # the watchers reconnect every second
    waits = []
    for status in STATUSES:
        change(a, token, code, status)
        waits.append(seconds_until(b, code, status))
    figures["redis_back_median"] = statistics.median(waits)
    spike = Spike(b, 5)
    time.sleep(1.5)
    os.killpg(processes["redis-a"].pid, signal.SIGKILL)
    figures["errors_host_killed"] = spike.join()
    return figures


def throughput(rounds: int, seconds: int) -> dict[str, float]:
    rates: dict[str, list[float]] = {name: [] for name in ("bare", "embedded", "redis-a", "pg-a")}
    for target in rates:  # warm every worker's cache and the fast path
        for _ in range(20):
            get(PORTS[target], "/")
    for n in range(rounds):
        for target in rates:
            rate, _, errors = wrk(f"http://{HOST}:{PORTS[target]}/", seconds, 32, 2)
            rates[target].append(rate)
            print(
                f"round {n + 1}/{rounds} {target}: {rate:,.0f} req/s ({errors} errors)", flush=True
            )
    return {name: statistics.median(values) for name, values in rates.items()}


def report(rates: dict, fresh: dict, fault: dict, args) -> list[str]:
    embedded = rates["embedded"]
    rows = [
        ("bare Flask (bench/bare_app.py)", rates["bare"], ""),
        ("embedded: SQLite, no Redis", embedded, ""),
        ("PostgreSQL + Redis, per host", rates["redis-a"], "≥ 0.90"),
        ("PostgreSQL alone, per host", rates["pg-a"], "≥ 0.80"),
    ]
    lines = [
        "| configuration | cached `/` req/s (median) | ratio to embedded | goal |",
        "|---|---|---|---|",
        *(
            f"| {label} | {rate:,.0f} | {rate / embedded:.2f} | {goal} |"
            for label, rate, goal in rows
        ),
        "",
        f"Freshness: {args.changes} changes through host A's API while wrk (`-t1 -c16`) spiked "
        "both hosts; after each, host B is polled until it shows the change, and the figure is "
        "how long after the change returned the first request showing it was *sent* (0: the "
        "very next request already did), so B's own queueing under the spike is not counted:",
        "",
        "| configuration | median | worst | non-200 answers during the spike |",
        "|---|---|---|---|",
    ]
    for name, label in (
        ("redis", "PostgreSQL + Redis (pub/sub)"),
        ("pg", "PostgreSQL alone (LISTEN/NOTIFY)"),
    ):
        median, worst = fresh[name]["median"] * 1000, fresh[name]["worst"] * 1000
        lines.append(f"| {label} | {median:.1f} ms | {worst:.1f} ms | {fresh[name]['errors']} |")
    lines += [
        "",
        "Faults (PostgreSQL + Redis):",
        "",
        f"- Redis stopped mid-spike: {fault['errors_redis_down']} non-200 answers; changes on A "
        f"showed on B after a median of {fault['without_redis'] * 1000:.0f} ms, worst "
        f"{fault['without_redis_worst'] * 1000:.0f} ms (no notices: the re-check, every second "
        "while the watchers try to reconnect, else every 2 s).",
        "- Redis started again: changes on B after a median of "
        f"{fault['redis_back_median'] * 1000:.0f} ms.",
        "- Host A killed (SIGKILL to master and workers) mid-spike on B: "
        f"{fault['errors_host_killed']} non-200 answers from B.",
    ]
    return lines


def write_results(lines: list[str], args) -> None:
    write_section(
        BEGIN,
        END,
        [
            "## Scale-out against embedded (bench/scaleout.py)",
            "",
            f"`bench/scaleout.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}, "
            f"load average at the end {os.getloadavg()[0]:.1f} (the bench itself included). "
            "Each host: gunicorn `-w 2 -k gthread --threads 4`, its own TMPDIR; "
            f"{args.incidents} past incidents; "
            f"wrk `-t2 -c32 -d{args.seconds}s` on `/`, {args.rounds} rounds interleaved, medians.",
            "",
            *lines,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--incidents", type=int, default=100)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    WORK.mkdir(exist_ok=True)
    shutil.rmtree(WORK / "scaleout", ignore_errors=True)
    sqlite_url = f"sqlite:///{WORK / 'scaleout.db'}"
    ensure_pg_database()
    seed(sqlite_url, args.incidents)
    seed(PG_URL, args.incidents)
    token, code = token_and_component(PG_URL)
    redis = Redis(REDIS_PORT)
    redis.start()
    redis_env = {"DATABASE_URL": PG_URL, "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0"}
    processes = {}
    workers = []
    try:
        processes["embedded"] = host("embedded", {"DATABASE_URL": sqlite_url})
        body = WORK / "scaleout" / "index.html"
        body.write_bytes(get(PORTS["embedded"], "/")[2])  # the bare app serves the same bytes
        bare = [*GUNICORN, "-b", f"{HOST}:{PORTS['bare']}", "bare_app:app"]
        processes["bare"] = start(bare, env={"BENCH_BODY_FILE": str(body)}, cwd=BENCH)
        wait_until_up(PORTS["bare"])
        for name in ("redis-a", "redis-b"):
            processes[name] = host(name, redis_env)
        for name in ("pg-a", "pg-b"):
            processes[name] = host(name, {"DATABASE_URL": PG_URL})
        workers = [
            start([str(VENV / "flask"), "--app", "wsgi", "worker"], env=redis_env) for _ in range(2)
        ]
        rates = throughput(args.rounds, args.seconds)
        fresh = {
            name: freshness(name, token, code, args.changes, max(8, args.changes // 2))
            for name in ("redis", "pg")
        }
        print("fresh:", fresh, flush=True)
        fault = faults(redis, token, code, processes)
    finally:
        for process in [*workers, processes.get("bare")]:
            if process:
                stop(process)
        for name, process in processes.items():
            if name != "bare" and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        redis.stop()
    lines = report(rates, fresh, fault, args)
    print("\n".join(lines))
    write_results(lines, args)


if __name__ == "__main__":
    main()
