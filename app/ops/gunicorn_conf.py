"""gunicorn's production config: `gunicorn -c gunicorn.conf.py wsgi:app` in a checkout,
`gunicorn -c python:app.ops.gunicorn_conf wsgi:app` from an installed package.

One gthread worker per core (WEB_CONCURRENCY), HERALD_THREADS threads each,
bound to HERALD_BIND (default 0.0.0.0:$PORT, PORT default 8000); JSON logs
unless HERALD_LOG_FORMAT says otherwise; Prometheus multi-process mode; no
control socket unless HERALD_CONTROL_SOCKET names one.
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
# gunicorn's control socket (for `gunicornc`) defaults to $XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl: one path for every gunicorn the user runs, so a new one (a
# restart started beside the old, a second site) unlinks and takes over the other's
# socket, and in the image ~ is /app, the code's own directory. Herald's operations need
# none of it (workers come from WEB_CONCURRENCY, restarts from the supervisor), so it is
# off unless HERALD_CONTROL_SOCKET names this instance's own path.
control_socket = os.environ.get("HERALD_CONTROL_SOCKET") or None
control_socket_disable = control_socket is None
__all__ = [
    "bind",
    "child_exit",
    "control_socket",
    "control_socket_disable",
    "graceful_timeout",
    "keepalive",
    "logger_class",
    "on_exit",
    "threads",
    "worker_class",
    "workers",
]
