"""Webhook delivery: Herald's `deliver()` against raw urllib3 POSTs to the same receiver.

    .venv/bin/python bench/webhooks.py [--subscribers 300]

N confirmed webhook subscribers of one incident update on a throwaway SQLite site, all
pointing at one local HTTPS receiver (tests/webhook_receiver.py, a trustme certificate).
Herald sends each row as the delivery loop does (rows loaded, detached, `deliver(row)`:
the SSRF check, the payload, the signature, a fresh TLS connection). The ceiling is raw
urllib3 sending the same body over a fresh TLS connection per request — Herald never
reuses a connection, since each subscriber is its own host — in rounds alternating with
Herald's (medians of three). Also: what rendering the notification costs the first row, which the
rest of a batch shares. Everything runs on 127.0.0.1 and every loop is bounded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway bench site
ROUNDS = 3


def _site(directory: Path, ca_file: str):
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.db'}",
            "SECRET_KEY": SECRET,
            "SITE_URL": "https://status.example.com",
            "WEBHOOK_ALLOW_LOOPBACK": True,
            "WEBHOOK_CA_FILE": ca_file,
            "TICK_SECONDS": 3600,
        }
    )
    with app.app_context():
        upgrade()
    return app


def _rows(app, url: str, count: int) -> list[int]:
    """One incident update and `count` webhook deliveries of it; their ids."""
    from app.extensions import db
    from app.models import Delivery, Notification, NotificationKind, Subscriber
    from app.services import components, incidents

    api = components.create_component(name="API")
    incident = incidents.open_incident(
        name="API errors",
        impact="major",
        message="Investigating.",
        components={api.id: "major_outage"},
    )
    update = incidents.post_update(incident, status="identified", message="Found it.")
    notification = Notification(
        kind=NotificationKind.INCIDENT_UPDATED, incident_id=incident.id, update_id=update.id
    )
    db.session.add(notification)
    db.session.flush()
    for number in range(count):
        subscriber = Subscriber(
            kind="webhook",
            address=f"{url}?subscriber={number}",
            state="confirmed",
            token_nonce=f"nonce-{number}",
            confirmations_sent=0,
            bounce_count=0,
            paused=False,
            signing_secret="ab" * 32,
        )
        db.session.add(subscriber)
        db.session.flush()
        db.session.add(Delivery(notification_id=notification.id, subscriber_id=subscriber.id))
    db.session.commit()
    return list(db.session.scalars(db.select(Delivery.id).order_by(Delivery.id)))


def _herald(app, ids: list[int]) -> tuple[float, float]:
    """Seconds to deliver every row, and the first row's share of it."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.delivery import webhooks
    from app.delivery.outcome import Result
    from app.extensions import db
    from app.models import Delivery

    with app.app_context():
        rows = db.session.scalars(
            select(Delivery)
            .where(Delivery.id.in_(ids))
            .options(selectinload(Delivery.subscriber), selectinload(Delivery.notification))
        ).all()
        db.session.expunge_all()
        db.session.rollback()
        started = time.perf_counter()
        first = None
        for row in rows:
            outcome = webhooks.deliver(row)
            assert outcome.result == Result.SENT, outcome
            first = first or time.perf_counter() - started
        total = time.perf_counter() - started
        db.session.remove()
    return total, first or 0.0


def _ceiling(port: int, ca_file: str, body: bytes, count: int) -> float:
    from urllib3.connection import HTTPSConnection

    started = time.perf_counter()
    for number in range(count):
        connection = HTTPSConnection("127.0.0.1", port, ca_certs=ca_file, timeout=10)
        connection.request(
            "POST",
            f"/hook?subscriber={number}",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 200
        response.read(1024)
        connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=300)
    count = min(parser.parse_args().subscribers, 5000)  # bounded

    import trustme

    from tests.webhook_receiver import Receiver, server_context

    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as directory:
        ca_file = str(Path(directory) / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        receiver = Receiver(server_context(ca))
        try:
            app = _site(Path(directory), ca_file)
            with app.app_context():
                ids = _rows(app, receiver.url(), count)
            # deliver() writes nothing, so the same rows can go again: rounds alternate
            # Herald and the ceiling (which sends the very body Herald sent), medians kept.
            herald_runs, ceiling_runs, firsts = [], [], []
            for _ in range(ROUNDS):
                seconds, first = _herald(app, ids)
                herald_runs.append(seconds)
                firsts.append(first)
                body = receiver.requests[-1].body
                ceiling_runs.append(_ceiling(receiver.port, ca_file, body, count))
        finally:
            receiver.close()
    herald, ceiling = statistics.median(herald_runs), statistics.median(ceiling_runs)
    first = statistics.median(firsts)
    print(f"{count} webhook deliveries, one local HTTPS receiver, body {len(body)} bytes")
    print(f"  raw urllib3, a fresh TLS connection each: {count / ceiling:7.1f} /s")
    print(f"  Herald deliver():                         {count / herald:7.1f} /s")
    print(f"  Herald reaches {ceiling / herald:.0%} of the ceiling's rate (medians of {ROUNDS})")
    print(
        f"  first row (renders the notification): {first * 1000:.1f} ms; "
        f"each other row: {(herald - first) / max(count - 1, 1) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
