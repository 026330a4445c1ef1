"""Fan-out: how fast one update reaches every subscriber, against raw smtplib, and what
posting it costs the admin.

    .venv/bin/python bench/fanout.py [--subscribers 10000] [--write]

1. Admin request time: a manager posts an incident update through the real admin form
   (Flask test client, logged in) with 0, 1,000 and 50,000 confirmed subscribers; median
   of 15 posts each. Target: within 1.5× of each other (fan-out is the worker's job).
2. Delivery: N confirmed subscribers, one update, one `flask worker` process (no Redis,
   polling the outbox), a local aiosmtpd sink in its own process. Time from the update's
   commit until the sink accepted the last message, against the ceiling: raw `smtplib`
   pushing the same message to the same N recipients over one connection, run before and
   after Herald (mean of the two). Target: Herald ≥ 50% of the ceiling's messages/s.
3. Worker memory: the worker's peak RSS (VmHWM) delivering 1,000 and N messages.
   Target: flat in the number of subscribers.

Everything runs on 127.0.0.1; every loop is bounded. With --write the figures replace the
fan-out section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway bench site
PASSWORD = "correct horse battery staple"  # noqa: S105
RESULTS = ROOT / "bench" / "RESULTS.md"
ROUNDS = 2
BEGIN, END = "<!-- begin bench/fanout.py -->", "<!-- end bench/fanout.py -->"


# --- the sink, in a process of its own ------------------------------------------------


def run_sink(port: int, every: int, save: Path) -> None:
    """aiosmtpd counting messages; prints `<count> <time>` at every `every`-th message."""
    from aiosmtpd.controller import Controller

    class Counting:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Counting.count += 1
            if Counting.count == 1 and not save.exists():
                save.write_bytes(envelope.original_content or envelope.content)
            if Counting.count % every == 0:
                print(f"{Counting.count} {time.time():.6f}", flush=True)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        controller.stop()


class Sink:
    def __init__(self, every: int, folder: Path):
        from tests.smtp_sink import free_port

        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.sample = folder / "sample.eml"
        command = [sys.executable, __file__, "--sink", str(self.port), "--every", str(every)]
        command += ["--save", str(self.sample)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.process.stdout.readline().strip() == "ready"

    def next_mark(self, timeout: float = 600) -> float:
        """The time at which the sink's count next reached a multiple of `every`."""
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()
        assert line and time.monotonic() < deadline, "the sink stopped"
        return float(line.split()[1])

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# --- the database ---------------------------------------------------------------------


def make_site(folder: Path, name: str):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    url = f"sqlite:///{folder / name}"
    app = make_app(url, SECRET_KEY=SECRET)
    with app.app_context():
        upgrade()
    return app, url


def add_subscribers(app, start: int, stop: int) -> None:
    """Confirmed whole-page email subscribers number `start` to `stop - 1`, in bulk."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Subscriber, SubscriberKind, SubscriberState, utcnow

    now = utcnow()
    with app.app_context():
        for first in range(start, stop, 5000):
            rows = [
                {
                    "kind": SubscriberKind.EMAIL,
                    "address": f"subscriber{n}@example.com",
                    "state": SubscriberState.CONFIRMED,
                    "paused": False,
                    "all_components": True,
                    "created_at": now,
                    "updated_at": now,
                    "confirmed_at": now,
                    "source": "import",
                    "token_nonce": f"n{n}",
                    "confirmations_sent": 0,
                    "bounce_count": 0,
                }
                for n in range(first, min(stop, first + 5000))
            ]
            db.session.execute(insert(Subscriber), rows)
            db.session.commit()


# --- 1. admin request time ------------------------------------------------------------


def admin_times(folder: Path, counts: list[int], posts: int = 15) -> dict[int, float]:
    """Median time of the admin's "post update" request on one site per subscriber count;
    the sites take turns, so a drift in this machine's speed touches each alike."""
    sites = [_admin_site(folder, count) for count in counts]
    timings: dict[int, list[float]] = {count: [] for count in counts}
    for n in range(posts + 2):
        for count, (app, browser, incident_id) in zip(counts, sites, strict=True):
            started = time.perf_counter()
            with app.app_context():
                response = browser.post(
                    f"/admin/incidents/{incident_id}/updates",
                    data={"status": "identified", "message": f"Update {n}", "notify": "y"},
                )
            assert response.status_code in (302, 303), response.status_code
            if n >= 2:  # the first two warm the caches
                timings[count].append(time.perf_counter() - started)
    return {count: statistics.median(values) for count, values in timings.items()}


def _admin_site(folder: Path, subscribers: int):
    from sqlalchemy import text

    from app.extensions import db
    from app.services import incidents, users
    from tests.conftest import Browser

    app, _ = make_site(folder, f"admin{subscribers}.db")
    app.config.update(SMTP_URL="smtp://127.0.0.1:1", WTF_CSRF_ENABLED=True)
    with app.app_context():
        users.create_user(email="m@example.com", password=PASSWORD, role="manager", actor="b")
        incident_id = incidents.open_incident(name="Bench", impact="minor", message="Bench.").id
    add_subscribers(app, 0, subscribers)
    with app.app_context():
        # As a long-running site would be: the bulk insert checkpointed out of the WAL.
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    browser = Browser(app.test_client())
    with app.app_context():
        browser.login("m@example.com")
    return app, browser, incident_id


# --- 2. and 3. delivery ---------------------------------------------------------------


def worker_env(database_url: str, smtp_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        SMTP_URL=smtp_url,
        SITE_URL="https://status.example.com",
        MAIL_FROM="Status <status@example.com>",
        HERALD_TICK_SECONDS="3600",
        HERALD_DELIVERY_POLL_SECONDS="0.1",
        HERALD_LOG_FORMAT="text",
        HERALD_ACCESS_LOG="0",
    )
    return env


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def herald_run(folder: Path, subscribers: int, sink: Sink, name: str) -> tuple[float, float]:
    """(seconds from commit to last message accepted, worker's peak RSS in MB)."""
    from app.services import incidents

    app, url = make_site(folder, name)
    add_subscribers(app, 0, subscribers)
    log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=worker_env(url, sink.url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while b"Worker running" not in (folder / f"{name}.log").read_bytes():
            assert worker.poll() is None and time.monotonic() < deadline, "worker did not start"
            time.sleep(0.05)
        time.sleep(1.0)  # its first tick is over
        with app.app_context():
            incidents.open_incident(name="Checkout is failing", impact="major", message="On it.")
        committed = time.time()
        last = sink.next_mark()
        time.sleep(0.5)
        return last - committed, peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()


def ceiling_run(sink: Sink, subscribers: int) -> float:
    """Seconds raw smtplib takes to push the sample message to every recipient."""
    message = sink.sample.read_bytes()
    started = time.time()
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as smtp:
        for n in range(subscribers):
            smtp.sendmail("status@example.com", [f"subscriber{n}@example.com"], message)
    return sink.next_mark() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--sink", type=int)
    parser.add_argument("--every", type=int)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.sink, args.every, args.save)
        return
    n = args.subscribers
    with tempfile.TemporaryDirectory(prefix="herald-fanout-") as tmp:
        folder = Path(tmp)
        admin = admin_times(folder, [0, 1_000, 50_000])
        print("admin:", {k: f"{v * 1000:.1f} ms" for k, v in admin.items()}, flush=True)
        sink = Sink(n, folder)
        heralds, ceilings, rss = [], [], []
        try:
            # Interleaved (Herald, ceiling, Herald, ceiling): this machine's speed drifts, and
            # each side sees the same drift. The ceiling sends the mail Herald sent first.
            for round_ in range(ROUNDS):
                seconds, peak = herald_run(folder, n, sink, f"herald{round_}.db")
                heralds.append(seconds)
                rss.append(peak)
                print(f"herald: {n / seconds:.0f} msg/s, peak RSS {peak:.0f} MB", flush=True)
                ceilings.append(ceiling_run(sink, n))
                print(f"ceiling: {n / ceilings[-1]:.0f} msg/s", flush=True)
        finally:
            sink.stop()
        herald, herald_rss = statistics.mean(heralds), max(rss)
        small_sink = Sink(1_000, folder)
        try:
            _, small_rss = herald_run(folder, 1_000, small_sink, "small.db")
        finally:
            small_sink.stop()
    report = _report(
        n, admin, herald, heralds, statistics.mean(ceilings), ceilings, herald_rss, small_rss
    )
    print(report)
    if args.write:
        _write(report)


def _report(n, admin, herald, heralds, ceiling, ceilings, herald_rss, small_rss) -> str:
    from app.config import load_config

    claims = load_config({})["DELIVERY_BATCH"]
    ratio = (n / herald) / (n / ceiling)
    spread = max(admin.values()) / min(admin.values())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    admin_rows = "\n".join(
        f"| {count:,} | {seconds * 1000:.1f} ms |" for count, seconds in admin.items()
    )
    ceiling_list = ", ".join(f"{n / c:,.0f}" for c in ceilings)
    herald_list = ", ".join(f"{n / h:,.0f}" for h in heralds)
    met = "met" if ratio >= 0.5 else "NOT met"
    herald_row = (
        f"| Herald: commit → last accepted | {herald:.2f} s | {n / herald:,.0f} | {ratio:.2f} "
        f"| ≥ 0.50: {met} (runs: {herald_list} msg/s) |"
    )
    ceiling_row = (
        f"| ceiling: raw smtplib, one connection | {ceiling:.2f} s | {n / ceiling:,.0f} | 1.00 "
        f"| (runs: {ceiling_list} msg/s) |"
    )
    return f"""{BEGIN}
## Fan-out: one update to {n:,} subscribers (bench/fanout.py)

`bench/fanout.py` on {os.cpu_count()} cores, {when} UTC. SQLite, no Redis; one `flask worker`
process polling the outbox every 0.1 s; aiosmtpd sink in its own process on 127.0.0.1.

Mean time of the runs, interleaved Herald / ceiling / Herald / ceiling.

| | time to last message | messages/s | ÷ ceiling | target |
|---|---:|---:|---:|---|
{herald_row}
{ceiling_row}

Admin "post update" request (median of 15, Flask test client, logged-in manager; one
site per subscriber count, taking turns):

| confirmed subscribers | request time |
|---:|---:|
{admin_rows}

Spread {spread:.2f}× (target ≤ 1.5×: {"met" if spread <= 1.5 else "NOT met"}).

Worker peak RSS (VmHWM): {small_rss:.0f} MB delivering 1,000, {herald_rss:.0f} MB delivering
{n:,} ({herald_rss - small_rss:+.0f} MB): recipients are streamed in batches of 1,000 (fan-out)
and {claims} (claims).
{END}"""


def _write(report: str) -> None:
    text = RESULTS.read_text()
    if BEGIN in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + report + after
    else:
        text = text.rstrip() + "\n\n" + report + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
