"""Memory and throughput under 10,000 distinct hostile URLs, against the same run's baseline.

    .venv/bin/python bench/hostile.py                       # this checkout
    .venv/bin/python bench/hostile.py --code /tmp/before    # another checkout, same venv
    .venv/bin/python bench/hostile.py --incidents 10000 100000 --code . /tmp/before

Seeds a SQLite database with bench/seed.py (N past incidents, default
10,000: 500 history pages; kept in /tmp/herald-bench between runs), starts
Herald under gunicorn as in production (`-w 2 -k gthread --threads 4`, on a
free port of 127.0.0.1), then:

1. baseline: warms `/` and reads each worker's RSS (/proc) and `/`'s
   throughput with wrk (-t2 -c32, 7 rounds of 3 s), each round paired with
   one against bench/bare_app.py serving the same bytes under the same
   gunicorn settings just before it: the figure is the median over the rounds
   of Herald's req/s over the bare app's, so load from elsewhere on the
   machine falls on both alike. Also the CPU time the workers spend per
   request of `/` (from /proc, over the same rounds), which load from
   elsewhere moves less than req/s;
2. sends 10,000 distinct hostile URLs from 8 client threads, each URL once,
   in a shuffled mix: `/history?page=0001`-style spellings of real pages,
   page numbers past the end, random badge labels (page and component
   badges), random `?theme=` values, cache busters on the page, the API and
   the feeds, and odd URLs (made-up Host names, percent-encoded paths,
   trailing slashes, unknown incidents), with random Accept-Encoding;
3. measures RSS and throughput again.

Goals: each worker grows by at most 100 MB; `/` keeps at least 90% of its
baseline throughput; no 5xx. Prints the figures and writes them into the
"hostile URLs" section of bench/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import string
import sys
import threading
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from results import write_section  # noqa: E402
from run import HOST, VENV, WORK, get, seeded_database, start, stop, wait_until_up, wrk  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


PORT, PORT_BARE = _free_port(), _free_port()
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4"]
URLS = 10_000
CLIENTS = 8
ROUNDS = 7
GROWTH_GOAL_MB = 100
THROUGHPUT_GOAL = 0.90
BEGIN, END = "<!-- begin bench/hostile.py -->", "<!-- end bench/hostile.py -->"


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def throughput(seconds: int, workers: list[int]) -> tuple[float, float, float]:
    """Herald's `/` in req/s, the same over the bare app's (each round paired with a bare
    round just before it; medians over ROUNDS), and the CPU time Herald's workers spent per
    request of `/` (µs)."""
    herald, paired, cpu, served = [], [], 0.0, 0.0
    for _ in range(ROUNDS):
        bare = wrk(f"http://{HOST}:{PORT_BARE}/", seconds, 32, 2)[0]
        used = cpu_seconds(workers)
        rate = wrk(f"http://{HOST}:{PORT}/", seconds, 32, 2)[0]
        cpu += cpu_seconds(workers) - used
        served += rate * seconds
        herald.append(rate)
        paired.append(rate / bare)
    return statistics.median(herald), statistics.median(paired), cpu / served * 1e6


def _random_text(rng: random.Random, longest: int) -> str:
    alphabet = string.ascii_letters + string.digits + " -_"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest))).strip() or "x"


def hostile_urls(rng: random.Random, pages: int, codes: list[str]) -> list[tuple[str, str]]:
    """URLS distinct (path, Host) pairs, shuffled."""
    found: set[tuple[str, str]] = set()
    host = f"{HOST}:{PORT}"

    def add(path: str, on: str = host) -> None:
        found.add((path, on))

    quoted = lambda text: text.replace(" ", "%20")  # noqa: E731
    kinds = [
        lambda n: add(f"/history?page={'0' * rng.randint(1, 60)}{rng.randint(1, pages)}"),
        lambda n: add(f"/history?page={pages + 1 + rng.randint(0, 10**6)}"),
        lambda n: add(f"/badge.svg?label={quoted(_random_text(rng, 40))}"),
        lambda n: add(
            f"/components/{rng.choice(codes)}/badge.svg?label={quoted(_random_text(rng, 40))}"
        ),
        lambda n: add(f"/embed/frame?theme={quoted(_random_text(rng, 12))}"),
        lambda n: add(f"/?_={rng.getrandbits(48)}"),
        lambda n: add(f"/api/v2/summary.json?_={rng.getrandbits(48)}"),
        lambda n: add(f"/history.atom?utm_source={rng.getrandbits(32)}"),
        lambda n: add("/", f"h{rng.getrandbits(40):x}.example"),
        lambda n: add(f"/%62adge.svg?n={rng.getrandbits(32)}"),
        lambda n: add(f"/history/?n={rng.getrandbits(32)}"),
        lambda n: add(f"/incidents/{rng.randint(10**6, 2**31 - 1)}"),
    ]
    while len(found) < URLS:
        rng.choice(kinds)(len(found))
    urls = sorted(found)
    rng.shuffle(urls)
    return urls


def send_all(urls: list[tuple[str, str]], seed: int) -> Counter:
    """Each URL once, from CLIENTS threads on kept-alive connections; counts status codes."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    encodings = (None, "gzip", "gzip, deflate, br")

    def client(part: list[tuple[str, str]], rng: random.Random) -> None:
        connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
        for path, host in part:
            headers = {"Host": host}
            if encoding := rng.choice(encodings):
                headers["Accept-Encoding"] = encoding
            for attempt in range(3):
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    break
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
                    status = "connection error" if attempt == 2 else None
            with lock:
                statuses[status] += 1
        connection.close()

    threads = [
        threading.Thread(target=client, args=(urls[n::CLIENTS], random.Random(seed + n)))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _codes() -> list[str]:
    components = json.loads(get(PORT, "/api/v2/components.json")[2])["components"]
    return [component["id"] for component in components]


def run(code: Path, incidents: int, seconds: int, seed: int) -> dict:
    database_url = seeded_database(incidents)
    env = {
        "DATABASE_URL": database_url,
        "HERALD_ENV": "production",
        "SECRET_KEY": "bench-only-secret",
        "SITE_URL": f"http://{HOST}:{PORT}",
        "HERALD_WORKER": "0",
    }
    gunicorn = [str(VENV / "gunicorn"), *GUNICORN, "-b"]
    process = start([*gunicorn, f"{HOST}:{PORT}", "wsgi:app"], env, cwd=code)
    bare = None
    try:
        wait_until_up(PORT)
        body = WORK / "hostile-index.html"
        body.write_bytes(get(PORT, "/")[2])
        bare = start(
            [*gunicorn, f"{HOST}:{PORT_BARE}", "bare_app:app"],
            {"BENCH_BODY_FILE": str(body)},
            cwd=BENCH,
        )
        wait_until_up(PORT_BARE)
        workers = worker_pids(process.pid)
        for _ in range(50):  # every worker renders `/` and its variants
            get(PORT, "/", {"Accept-Encoding": "gzip, deflate, br"})
            get(PORT, "/")
        wrk(f"http://{HOST}:{PORT}/", 2, 32, 2)
        wrk(f"http://{HOST}:{PORT_BARE}/", 2, 32, 2)
        before = {pid: rss_mb(pid) for pid in workers}
        rate_before = throughput(seconds, workers)
        pages = -(-incidents // 20)
        urls = hostile_urls(random.Random(seed), pages, _codes())
        started = time.monotonic()
        statuses = send_all(urls, seed)
        elapsed = time.monotonic() - started
        after = {pid: rss_mb(pid) for pid in workers}
        rate_after = throughput(seconds, workers)
        assert worker_pids(process.pid) == workers, "a worker was restarted during the run"
    finally:
        if bare is not None:
            stop(bare)
        stop(process)
    return {
        "before": before,
        "after": after,
        "rate_before": rate_before,
        "rate_after": rate_after,
        "statuses": statuses,
        "elapsed": elapsed,
    }


def report(code: Path, incidents: int, figures: dict) -> list[str]:
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(figures["statuses"].items(), key=str))
    server_errors = sum(
        count for status, count in figures["statuses"].items() if str(status) >= "500"
    )
    lines = [
        f"### {URLS:,} hostile URLs ({incidents:,} past incidents, code in `{code}`)",
        "",
        "| worker | RSS before | RSS after | growth | goal ≤ 100 MB |",
        "|---|---:|---:|---:|---|",
    ]
    for pid, before in figures["before"].items():
        after = figures["after"][pid]
        growth = after - before
        verdict = "met" if growth <= GROWTH_GOAL_MB else "MISSED"
        lines.append(f"| {pid} | {before:.0f} MB | {after:.0f} MB | {growth:+.0f} MB | {verdict} |")
    (herald_before, before, cpu_before), (herald_after, after, cpu_after) = (
        figures["rate_before"],
        figures["rate_after"],
    )
    ratio, cpu_ratio = after / before, cpu_before / cpu_after
    verdict = "met" if ratio >= THROUGHPUT_GOAL else "MISSED"
    cpu_verdict = "met" if cpu_ratio >= THROUGHPUT_GOAL else "MISSED"
    lines += [
        "",
        "| `/` | Herald | Herald ÷ bare app (same bytes) | worker CPU per request |",
        "|---|---:|---:|---:|",
        f"| before the flood | {herald_before:,.0f} req/s | {before:.2f} | {cpu_before:.0f} µs |",
        f"| after the flood | {herald_after:,.0f} req/s | {after:.2f} | {cpu_after:.0f} µs |",
        "",
        f"Throughput after ÷ before: **{ratio:.2f}** by req/s against the bare app "
        f"({verdict}), **{cpu_ratio:.2f}** by CPU per request ({cpu_verdict}); "
        f"goal ≥ {THROUGHPUT_GOAL:.2f}.",
        "",
        f"The {URLS:,} URLs took {figures['elapsed']:.1f} s; answers: {statuses}; "
        f"server errors: {server_errors}.",
        "",
    ]
    return lines


def write_results(lines: list[str]) -> None:
    write_section(
        BEGIN,
        END,
        [
            "## Hostile URLs: memory and throughput (bench/hostile.py)",
            "",
            f"`bench/hostile.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}. "
            f"gunicorn `{' '.join(GUNICORN)}`, SQLite, no Redis; RSS from /proc per worker; "
            f"wrk `-t2 -c32` on `/`, {ROUNDS} rounds interleaved with the bare app "
            "(bench/bare_app.py) before and after the flood, medians.",
            "",
            *lines,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Herald under 10,000 hostile URLs")
    parser.add_argument("--code", type=Path, nargs="+", default=[BENCH.parent])
    parser.add_argument("--incidents", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seconds", type=int, default=3, help="per wrk round")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for incidents in args.incidents:
        for code in args.code:
            figures = run(code.resolve(), incidents, args.seconds, args.seed)
            part = report(code, incidents, figures)
            print("\n".join(part), flush=True)
            lines += part
    write_results(lines)
    print(f"written to {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
