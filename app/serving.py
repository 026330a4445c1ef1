"""gunicorn settings for the embedded one-command site (`flask serve`).

One process with threads: SQLite has one writer anyway, and the in-process
worker thread starts after the fork, inside the serving process.
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class EmbeddedServer(BaseApplication):
    def __init__(self, app, bind: str, threads: int = 8):
        from app.ops.gunicorn import HeraldLogger, child_exit, on_exit, prepare_metrics_dir

        self.application = app
        # Before the fork: Prometheus multi-process mode, and gunicorn's lines in our format.
        prepare_metrics_dir()
        os.environ.setdefault("HERALD_LOG_FORMAT", app.config["LOG_FORMAT"])
        self.options = {
            "bind": bind,
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "logger_class": HeraldLogger,  # Herald logs each request itself
            "child_exit": child_exit,
            "on_exit": on_exit,
            "post_worker_init": self._start_worker,
            # No control socket (gunicorn would make ~/.gunicorn/gunicorn.ctl, outside the
            # checkout, shared with every other gunicorn of the user). Not in instance/
            # either: the one-command site has one worker and no worker count to change at
            # run time; Ctrl-C or a signal is all it takes to stop it.
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application

    def _start_worker(self, _worker):
        from app.delivery.worker import start_thread

        if os.environ.get("HERALD_WORKER", "1") != "0":
            start_thread(self.application)
