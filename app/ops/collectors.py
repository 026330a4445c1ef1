"""Metrics read from the database when /metrics is scraped.

The same on every host (they describe the shared database): aggregate them
with max(), not sum(). One scrape costs a handful of indexed queries.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.cache.board import Record
from app.cache.state import state as cache_state
from app.extensions import db
from app.models import utcnow
from app.ops import outbox
from app.services import heartbeat
from app.services.page import current_version

QUANTILES = (0.5, 0.9, 0.99, 1.0)


class DatabaseCollector:
    """Page version, worker heartbeats and the outbox, as gauges (needs an app context)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("herald_database_up", "1 when this scrape could read the database.")
        try:
            families = list(self._families(GaugeMetricFamily))
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, gauge):
        now = utcnow()
        yield gauge("herald_page_version", "The page version in the database.", current_version())
        served = cache_state(self.app).clock.last
        if served is not None:
            yield gauge(
                "herald_host_page_version",
                "The page version this process last answered from (herald_page_version minus "
                "this is how far the host lags; 0 almost always).",
                Record(served, 0).version,
            )
        window = self.app.config["READY_HEARTBEAT_SECONDS"]
        found = heartbeat.liveness(timedelta(seconds=window), now=now)
        yield gauge(
            "herald_workers_alive",
            f"Background workers that beat in the last {window:g} s.",
            found.alive,
        )
        if found.newest_age is not None:
            yield gauge(
                "herald_worker_heartbeat_age_seconds",
                "Seconds since the newest worker heartbeat.",
                found.newest_age,
            )
        if not outbox.present():
            return
        yield gauge(
            "herald_outbox_lag_seconds", "Age of the oldest due outbox item.", outbox.lag(now)
        )
        depth = gauge(
            "herald_outbox_depth",
            "Outbox items waiting: notifications not yet fanned out, deliveries due.",
            labels=["queue"],
        )
        for queue, count in outbox.depth(now).items():
            depth.add_metric([queue], count)
        yield depth
        states = gauge("herald_deliveries", "Delivery rows by state.", labels=["state"])
        for state, count in sorted(outbox.deliveries_by_state().items()):
            states.add_metric([state], count)
        yield states
        latencies = outbox.latencies(now)
        latency = gauge(
            "herald_delivery_latency_seconds",
            "Notification to sent, over deliveries sent in the last 15 minutes.",
            labels=["quantile"],
        )
        for q in QUANTILES if latencies else ():
            latency.add_metric([f"{q:g}"], outbox.quantile(latencies, q))
        yield latency
