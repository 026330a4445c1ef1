"""gunicorn reads this file when started from the repository: `gunicorn -c gunicorn.conf.py
wsgi:app`. The settings live in app/ops/gunicorn_conf.py (importable from the installed
package as `-c python:app.ops.gunicorn_conf`)."""

from app.ops.gunicorn_conf import *  # noqa: F403
