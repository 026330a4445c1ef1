"""The RQ job the web processes enqueue: one delivery pass in a `flask worker` process.

The RQ worker there is a SimpleWorker running inside the CLI's app context, so
the job finds its app as `current_app`. A job that is lost, or runs twice, is
harmless: the ledger's leases and its unique (notification, subscriber) rows
decide what is sent, and the workers' sweep re-enqueues what waits.
"""

from __future__ import annotations

from flask import current_app

from app.delivery.send import run_pass


def deliver() -> int:
    return run_pass(current_app._get_current_object())
