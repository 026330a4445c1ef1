# Herald's image: gunicorn with the production settings, a non-root user, a /healthz check.
#   docker build -t herald .
#   docker run --env-file .env -p 8000:8000 herald            # web (needs DATABASE_URL, SECRET_KEY)
#   docker run --env-file .env herald migrate | worker | flask --app wsgi backup /backups/x.dump
# compose.yaml runs the whole scale-out set (web ×2, worker, PostgreSQL, Redis).
# Bookworm's PostgreSQL client is version 15: it backs up servers up to 15 (compose uses 15).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HERALD_ENV=production \
    HERALD_LOG_FORMAT=json \
    HERALD_HOME=/app \
    PORT=8000

# pg_dump / pg_restore / psql for `flask backup` and `flask restore` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system herald \
    && useradd --system --gid herald --home-dir /app --shell /usr/sbin/nologin herald

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install . && pip uninstall -y herald
COPY app app
COPY templates templates
COPY static static
COPY migrations migrations
COPY wsgi.py gunicorn.conf.py ./
# Editable: the package finds templates/, static/ and migrations/ beside it in /app.
RUN pip install --no-deps -e . \
    && mkdir -p /app/instance \
    && chown herald:herald /app/instance
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/herald

USER herald
EXPOSE 8000
VOLUME ["/app/instance"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["herald", "healthcheck"]
ENTRYPOINT ["herald"]
CMD ["web"]
