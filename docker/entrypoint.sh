#!/bin/sh
# Herald's container entry point (installed as /usr/local/bin/herald in the image).
#   herald web          gunicorn with the production config (the default command)
#   herald worker       the background worker
#   herald migrate      apply database migrations, then exit
#   herald healthcheck  exit 0 when this container's web process answers /healthz
#   herald worker-alive exit 0 when this container's worker beat recently
#   herald ANYTHING     run it (e.g. `herald flask --app wsgi backup /backups/site.dump`)
# HERALD_MIGRATE_ON_START=1 makes `web` migrate first (one-container setups).
set -eu

cd "${HERALD_HOME:-/app}"

case "${1:-web}" in
  web)
    if [ "${HERALD_MIGRATE_ON_START:-0}" = "1" ]; then
      flask --app wsgi db upgrade
    fi
    exec gunicorn -c python:app.ops.gunicorn_conf wsgi:app
    ;;
  worker)
    exec flask --app wsgi worker
    ;;
  migrate)
    exec flask --app wsgi db upgrade
    ;;
  healthcheck)
    exec python -c 'import os, sys, urllib.request
port = os.environ.get("PORT", "8000")
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3).close()
except Exception as exc:
    sys.exit(f"unhealthy: {exc}")'
    ;;
  worker-alive)
    exec python -m app.ops.worker_alive
    ;;
  *)
    exec "$@"
    ;;
esac
