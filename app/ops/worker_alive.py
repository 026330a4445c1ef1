"""`python -m app.ops.worker_alive`: exit 0 when a worker on this host beat recently.

The container healthcheck of a worker (`herald worker-alive`): the heartbeat row
the worker writes each tick, for this host, within HERALD_READY_HEARTBEAT_SECONDS.
"""

from __future__ import annotations

import socket
import sys
from datetime import timedelta

from sqlalchemy import func, select


def main() -> int:
    from app import create_app
    from app.extensions import db
    from app.models import WorkerHeartbeat, utcnow

    app = create_app()
    window = timedelta(seconds=app.config["READY_HEARTBEAT_SECONDS"])
    with app.app_context():
        newest = db.session.scalar(
            select(func.max(WorkerHeartbeat.beat_at)).where(
                WorkerHeartbeat.host == socket.gethostname()[:255]
            )
        )
        db.engine.dispose()
    if newest is None or utcnow() - newest > window:
        print(f"no worker on {socket.gethostname()} beat in the last {window}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
