"""gunicorn hooks shared by the production config (gunicorn_conf.py) and `flask serve`.

- Prometheus multi-process mode: PROMETHEUS_MULTIPROC_DIR is set before any
  worker starts (a fresh private directory unless the operator chose one), emptied
  of a previous run's files, and each dead worker is marked with `child_exit`;
- gunicorn's own lines in Herald's log format; no gunicorn access log (Herald
  writes one line per request itself, with the request id).

Importing this module changes nothing; gunicorn_conf.py is the one with effects.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

from gunicorn.glogging import Logger

_CREATED = "_HERALD_CREATED_METRICS_DIR"


def prepare_metrics_dir() -> str:
    """Make sure PROMETHEUS_MULTIPROC_DIR names an empty directory; return it.

    Called before gunicorn forks (and before prometheus_client is imported): the
    variable then holds in every worker and in the master's child_exit hook.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = tempfile.mkdtemp(prefix="herald-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
        os.environ[_CREATED] = path
    os.makedirs(path, exist_ok=True)
    # Counters of a previous run would otherwise add to this run's forever.
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    return path


def child_exit(server, worker) -> None:
    """A worker died: forget its live gauges (its counters still count)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    created = os.environ.get(_CREATED)
    if created and created == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(created, ignore_errors=True)


class HeraldLogger(Logger):
    """gunicorn's error log in Herald's format; its access log off (Herald writes its own)."""

    def setup(self, cfg):
        super().setup(cfg)
        from app.observability import logs

        log_format = os.environ.get("HERALD_LOG_FORMAT", "json")
        for handler in self.error_log.handlers:
            handler.setFormatter(logs.formatter(log_format))

    def access(self, resp, req, environ, request_time):
        return None
