"""gunicorn's production config: `gunicorn -c gunicorn.conf.py wsgi:app` in a checkout,
`gunicorn -c python:app.ops.gunicorn_conf wsgi:app` from an installed package.

One gthread worker per core (WEB_CONCURRENCY), HERALD_THREADS threads each,
bound to HERALD_BIND (default 0.0.0.0:$PORT, PORT default 8000); JSON logs
unless HERALD_LOG_FORMAT says otherwise; Prometheus multi-process mode.
Options given on gunicorn's command line win over these.
"""

import os

from app.ops.gunicorn import HeraldLogger, child_exit, on_exit, prepare_metrics_dir

# Set before gunicorn loads the app and forks: every worker inherits both.
os.environ.setdefault("HERALD_LOG_FORMAT", "json")
prepare_metrics_dir()

bind = [os.environ.get("HERALD_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(os.environ.get("HERALD_THREADS", 4))
logger_class = HeraldLogger
# Behind a proxy, keep idle connections open a little longer than it does.
keepalive = 5
graceful_timeout = 20
__all__ = [
    "bind",
    "child_exit",
    "graceful_timeout",
    "keepalive",
    "logger_class",
    "on_exit",
    "threads",
    "worker_class",
    "workers",
]
