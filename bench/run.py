"""Load benchmark of the public side, with ratios against a bare Flask endpoint.

    .venv/bin/python bench/run.py                  # 100,000 then 100 past incidents
    .venv/bin/python bench/run.py --incidents 100  # the small run only

For each history size: seeds a SQLite database (bench/seed.py, kept in
/tmp/herald-bench between runs), starts Herald under gunicorn as in
production (`gunicorn -w 2 -k gthread --threads 4 wsgi:app`: one worker per
core, threads to overlap I/O), the same gunicorn serving bench/bare_app.py,
and nginx serving the static mirror of `/` with bench/nginx-mirror.conf.
Then, with wrk (-t2 -c32 on 127.0.0.1 only; 3 interleaved rounds of 5 s per
target, the median reported, so load from elsewhere falls on all alike):

  (a) bare Flask, same bytes as /   (b) /   (c) /api/v2/summary.json
  (d) /history.atom                 (e) / with If-None-Match (304)
  (f) nginx serving the mirror of /

and the first render after a change (the version bumped by a real status
change, the next request timed; median of several). Ports 5600-5699 only.
Prints the table and writes bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = ROOT / ".venv" / "bin"
WORK = Path(tempfile.gettempdir()) / "herald-bench"
HOST = "127.0.0.1"
PORT_HERALD, PORT_BARE, PORT_NGINX = 5601, 5602, 5603
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4"]
SAMPLES = 7


@dataclass
class Load:
    name: str
    requests_per_second: float
    p99_ms: float
    errors: int


def wrk(url: str, seconds: int, connections: int, threads: int, header: str | None = None):
    command = ["/usr/bin/wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if header:
        command += ["-H", header]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return rate, float(p99.group(1)) * scale, errors


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes, float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return response.status, dict(response.getheaders()), body, elapsed


def wait_until_up(port: int, path: str = "/", seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on {HOST}:{port}{path} within {seconds:.0f} s")


def start(command: list[str], env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    log = open(WORK / f"{Path(command[0]).name}-{len(command)}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=log
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def seeded_database(count: int) -> str:
    path = WORK / f"s{count}.db"
    if not path.exists():
        subprocess.run(
            [str(VENV / "python"), str(BENCH / "seed.py"), "--incidents", str(count)],
            env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
            check=True,
        )
    # A database kept from an earlier run gets the migrations (indexes) added since.
    subprocess.run(
        [str(VENV / "flask"), "--app", "wsgi", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return f"sqlite:///{path}"


def nginx_config(prefix: Path, mirror: Path) -> Path:
    server = (BENCH / "nginx-mirror.conf").read_text()
    server = server.replace("listen 80;", f"listen {HOST}:{PORT_NGINX};")
    server = server.replace("root /srv/herald-mirror;", f"root {mirror};")
    config = prefix / "nginx.conf"
    config.write_text(
        "daemon off;\nworker_processes 2;\npid nginx.pid;\nerror_log stderr warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\naccess_log off;\nsendfile on;\ntcp_nopush on;\n{server}\n}}\n"
    )
    return config


def first_renders(database_url: str) -> dict[str, float]:
    """Bump the version by a real status change, then time the first request of each URL."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.config import normalise_database_url
    from app.extensions import db
    from app.services import components

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)})
    paths = ("/", "/api/v2/summary.json", "/history.atom")
    samples: dict[str, list[float]] = {path: [] for path in paths}
    statuses = ("degraded_performance", "operational")
    for index in range(SAMPLES):
        with app.app_context():
            target = components.list_components()[0]
            components.set_status(target, statuses[index % 2], actor="bench")
            db.session.remove()
        for path in paths:
            status, _, _, elapsed = get(PORT_HERALD, path)
            assert status == 200, (path, status)
            samples[path].append(elapsed)
        time.sleep(0.3)
    with app.app_context():
        db.engine.dispose()
    return {path: statistics.median(values) for path, values in samples.items()}


def run_one(count: int, args) -> tuple[list[Load], dict[str, float]]:
    database_url = seeded_database(count)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    scratch.chmod(0o755)  # nginx workers run as an unprivileged user
    env = {
        "DATABASE_URL": database_url,
        "HERALD_ENV": "production",
        "SECRET_KEY": "bench-only-secret",
        "SITE_URL": f"http://{HOST}:{PORT_HERALD}",
    }
    gunicorn = str(VENV / "gunicorn")
    bind = lambda port: ["-b", f"{HOST}:{port}"]  # noqa: E731
    processes = [start([gunicorn, *GUNICORN, *bind(PORT_HERALD), "wsgi:app"], env)]
    try:
        wait_until_up(PORT_HERALD)
        _, _, body, _ = get(PORT_HERALD, "/")
        (scratch / "index.html").write_bytes(body)
        mirror = scratch / "mirror"
        mirror.mkdir()
        (mirror / "index.html").write_bytes(body)
        bare_env = {"BENCH_BODY_FILE": str(scratch / "index.html")}
        processes.append(
            start([gunicorn, *GUNICORN, *bind(PORT_BARE), "bare_app:app"], bare_env, cwd=BENCH)
        )
        processes.append(
            start(["/usr/sbin/nginx", "-p", str(scratch), "-c", str(nginx_config(scratch, mirror))])
        )
        wait_until_up(PORT_BARE)
        wait_until_up(PORT_NGINX)
        assert get(PORT_BARE, "/")[2] == body and get(PORT_NGINX, "/")[2] == body
        missing = [
            path
            for path in ("/api/v2/summary.json", "/history.atom")
            if get(PORT_HERALD, path)[0] != 200
        ]
        targets = [
            ("(a) bare Flask, same bytes", PORT_BARE, "/", False),
            ("(b) /", PORT_HERALD, "/", False),
            ("(c) /api/v2/summary.json", PORT_HERALD, "/api/v2/summary.json", False),
            ("(d) /history.atom", PORT_HERALD, "/history.atom", False),
            ("(e) / conditional (304)", PORT_HERALD, "/", True),
            ("(f) nginx mirror of /", PORT_NGINX, "/", False),
        ]
        for name, _, path, _ in targets:
            if path in missing:
                print(f"{name}: route missing ({path} is not 200); rerun when it exists")
        targets = [target for target in targets if target[2] not in missing]
        runs: dict[str, list[tuple[float, float, int]]] = {target[0]: [] for target in targets}
        # Rounds interleave the targets, so load from elsewhere on the machine
        # falls on all of them alike; each figure is the median over rounds.
        for round_number in range(args.rounds + 1):
            for name, port, path, conditional in targets:
                header = None
                if conditional:
                    etag = get(PORT_HERALD, path)[1]["ETag"]
                    assert get(PORT_HERALD, path, {"If-None-Match": etag})[0] == 304
                    header = f"If-None-Match: {etag}"
                url = f"http://{HOST}:{port}{path}"
                if round_number == 0:  # warm every worker's cache and connections
                    wrk(url, 2, args.connections, args.threads, header)
                    continue
                figures = wrk(url, args.seconds, args.connections, args.threads, header)
                runs[name].append(figures)
                print(
                    f"  {count:>7} incidents  round {round_number}  {name:<30} "
                    f"{figures[0]:>9.0f} req/s  p99 {figures[1]:7.2f} ms"
                )
        loads = [
            Load(
                name,
                statistics.median(r[0] for r in figures),
                statistics.median(r[1] for r in figures),
                sum(r[2] for r in figures),
            )
            for name, figures in runs.items()
        ]
        renders = first_renders(database_url)
        return loads, renders
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(scratch, ignore_errors=True)


def table(count: int, loads: list[Load], renders: dict[str, float]) -> list[str]:
    base = next((load for load in loads if load.name.startswith("(a)")), None)
    lines = [
        f"### {count:,} past incidents",
        "",
        "| target | req/s | p99 latency | req/s ÷ (a) | p99 ÷ (a) | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for load in loads:
        ratio = load.requests_per_second / base.requests_per_second
        p99_ratio = load.p99_ms / base.p99_ms
        lines.append(
            f"| {load.name} | {load.requests_per_second:,.0f} | {load.p99_ms:.2f} ms "
            f"| {ratio:.2f} | {p99_ratio:.2f} | {load.errors} |"
        )
    lines += ["", f"First request after a change (median of {SAMPLES}, target ≤ 50 ms):", ""]
    lines += [f"- `{path}`: {ms:.1f} ms" for path, ms in renders.items()]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description="Herald public-side load benchmark")
    parser.add_argument("--incidents", type=int, nargs="+", default=[100_000, 100])
    parser.add_argument("--seconds", type=int, default=5, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    report = [
        "# Benchmark results",
        "",
        f"`bench/run.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}. "
        f"gunicorn `{' '.join(GUNICORN)}` for Herald and the bare app; "
        f"wrk `-t{args.threads} -c{args.connections} -d{args.seconds}s` on {HOST}, "
        f"{args.rounds} interleaved rounds per target (median req/s and median p99); "
        "nginx with bench/nginx-mirror.conf, 2 workers. SQLite database, no Redis.",
        "Targets: (b), (c), (d) ≥ 0.85 × (a) req/s; p99 of (b) ≤ 2 × (a).",
        "",
    ]
    for count in args.incidents:
        loads, renders = run_one(count, args)
        lines = table(count, loads, renders)
        print("\n".join(lines))
        report += lines
    (BENCH / "RESULTS.md").write_text("\n".join(report))
    print(f"written to {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
