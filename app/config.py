"""Settings from the environment (and `.env`, through python-dotenv).

Read when `create_app` runs, never at import time, so tests and the CLI can
pass their own overrides.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

PACKAGE = Path(__file__).resolve().parent
# A checkout keeps templates/, static/ and migrations/ at its top level, beside app/
# (DESIGN.md); a wheel ships them inside the package, as app/templates and so on.
INSTALLED = (PACKAGE / "templates").is_dir()
RESOURCES = PACKAGE if INSTALLED else PACKAGE.parent


def home() -> Path:
    """Where `.env` and the default SQLite database live: a checkout's top level, or,
    for an installed Herald, the directory it is started from (never site-packages)."""
    return Path.cwd() if INSTALLED else PACKAGE.parent


class ConfigError(RuntimeError):
    """Raised when the environment cannot run Herald; the message says what to set."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _development_key(path: Path) -> str:
    """Development only: a random key made on first start and kept in `path` (mode 0600).

    Kept, because everything signed with it must outlive a restart: sessions, the confirm,
    manage and one-click unsubscribe links already mailed (RFC 8058 expects those to keep
    working), recovery codes; and a `flask worker` started beside the site must sign mail
    links the site accepts. Random, because any fixed fallback could be read in the source.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({exc}); set SECRET_KEY instead.") from exc
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"Cannot keep a development key in {path} ({exc}); set SECRET_KEY instead."
        ) from exc
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def load_config(overrides: dict | None = None) -> dict:
    """Return Flask config built from the environment, then `overrides`."""
    load_dotenv(home() / ".env", override=False)
    env = os.environ
    overrides = dict(overrides or {})
    testing = overrides.get("TESTING", False)
    production = env.get("HERALD_ENV", "development") == "production"

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'` "
                "and put it in the environment or in .env."
            )
        secret = _development_key(home() / "instance" / "secret_key")

    configured_site_url = overrides.get("SITE_URL") or env.get("SITE_URL")
    site_url = (configured_site_url or "http://127.0.0.1:5000").rstrip("/")
    https = site_url.startswith("https://")
    default_sqlite = home() / "instance" / "herald.db"
    database_url = normalise_database_url(env.get("DATABASE_URL") or f"sqlite:///{default_sqlite}")

    config = {
        "SECRET_KEY": secret,
        "SITE_URL": site_url,
        # Unset: `flask serve` derives the address from its --host/--port (app/site.py).
        "SITE_URL_CONFIGURED": bool(configured_site_url),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "SESSION_COOKIE_NAME": "__Host-herald" if https else "herald_session",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SERVE_HTTPS": https,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        "RATELIMIT_ENABLED": _flag(env.get("HERALD_RATELIMIT"), default=True),
        "LOGIN_FAILURES_PER_ACCOUNT": env.get("HERALD_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_IP": env.get("HERALD_LOGIN_LIMIT_IP", "20 per 15 minutes"),
        # Subscribe and resend requests, per client IP and per address asked for.
        "SUBSCRIBE_LIMIT_IP": env.get("HERALD_SUBSCRIBE_LIMIT_IP", "20 per hour"),
        "SUBSCRIBE_LIMIT_ADDRESS": env.get("HERALD_SUBSCRIBE_LIMIT_ADDRESS", "5 per hour"),
        # Management API (/api/v1) requests per token.
        "API_RATE_LIMIT": env.get("HERALD_API_RATE_LIMIT", "600 per minute"),
        "API_MAX_BODY": int(env.get("HERALD_API_MAX_BODY", 256 * 1024)),
        # Mail is off without it: email subscriptions are not offered.
        "SMTP_URL": env.get("SMTP_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        # An extra mailto: in List-Unsubscribe, for mail clients that only know that kind.
        "MAIL_UNSUBSCRIBE_MAILTO": env.get("MAIL_UNSUBSCRIBE_MAILTO") or None,
        "TICK_SECONDS": float(env.get("HERALD_TICK_SECONDS", 30)),
        # Subscribers are reminded this long before a maintenance starts (0: no reminder).
        "MAINTENANCE_REMINDER_MINUTES": float(env.get("HERALD_MAINTENANCE_REMINDER_MINUTES", 60)),
        "PUBLISH_DIR": env.get("HERALD_PUBLISH_DIR") or None,
        "CACHE_MAX_AGE": int(env.get("HERALD_CACHE_MAX_AGE", 0)),
        # Rendered output kept in each process, every encoding counted (LRU beyond it).
        "CACHE_MAX_BYTES": int(env.get("HERALD_CACHE_MAX_BYTES", 64 * 1024 * 1024)),
        # Scale-out (PostgreSQL or REDIS_URL): how often each process re-reads the page
        # version even when no change notice came (the bound on a lost notice), and the
        # host-local file where processes on one host share what they read.
        "CACHE_RECHECK_SECONDS": float(env.get("HERALD_CACHE_RECHECK_SECONDS", 2)),
        "CACHE_BOARD_FILE": env.get("HERALD_CACHE_BOARD_FILE") or None,
        # Proxies in front of Herald whose X-Forwarded-* headers to trust (0: none).
        "PROXY_HOPS": int(env.get("HERALD_PROXY_HOPS", 0)),
        "TESTING": False,
    }
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    # Redis down: count in this process instead (a warning is logged; back to Redis when it
    # answers), and give up on it quickly rather than hold a login for a socket timeout.
    config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    config["RATELIMIT_SWALLOW_ERRORS"] = True
    config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    config.update(_operations(env, config, production, testing))
    config.update(_delivery(env))
    config.update(overrides)
    if testing and "RATELIMIT_STORAGE_URI" not in overrides:
        config["RATELIMIT_STORAGE_URI"] = "memory://"
    return config


def _operations(env, config: dict, production: bool, testing: bool) -> dict:
    """Health checks, metrics and logs (README, "Operating Herald")."""
    tick = config["TICK_SECONDS"]
    log_format = (env.get("HERALD_LOG_FORMAT") or ("json" if production else "text")).lower()
    if log_format not in ("json", "text"):
        raise ConfigError(f"HERALD_LOG_FORMAT must be json or text, not {log_format!r}.")
    return {
        "LOG_FORMAT": log_format,
        # One line per request; off under TESTING (tests that read it turn it on).
        "ACCESS_LOG": _flag(env.get("HERALD_ACCESS_LOG"), default=not testing),
        # A request id from the client is only believed when a proxy we trust sets it.
        "TRUST_REQUEST_ID": _flag(
            env.get("HERALD_TRUST_REQUEST_ID"), default=config["PROXY_HOPS"] > 0
        ),
        "METRICS_ENABLED": _flag(env.get("HERALD_METRICS"), default=True),
        "METRICS_TOKEN": env.get("HERALD_METRICS_TOKEN") or None,
        "METRICS_ALLOW": env.get("HERALD_METRICS_ALLOW") or None,
        "READY_CHECKS": env.get("HERALD_READY_CHECKS", "database,redis,worker,outbox"),
        # A worker beats every tick; three missed ticks (and at least 90 s) mean it stopped.
        "READY_HEARTBEAT_SECONDS": float(
            env.get("HERALD_READY_HEARTBEAT_SECONDS") or max(90.0, 3 * tick)
        ),
        "READY_OUTBOX_LAG_SECONDS": float(env.get("HERALD_READY_OUTBOX_LAG_SECONDS", 300)),
    }


def _delivery(env) -> dict:
    """The outbox worker: batches, leases, retries (README, "Subscriptions and delivery")."""
    return {
        # Recipients written per fan-out transaction, deliveries claimed per batch.
        "FANOUT_BATCH": int(env.get("HERALD_FANOUT_BATCH", 1000)),
        "DELIVERY_BATCH": int(env.get("HERALD_DELIVERY_BATCH", 500)),
        # A claimed row not marked within this is claimed again (its worker died).
        "DELIVERY_LEASE_SECONDS": float(env.get("HERALD_DELIVERY_LEASE_SECONDS", 300)),
        "DELIVERY_MAX_ATTEMPTS": int(env.get("HERALD_DELIVERY_MAX_ATTEMPTS", 8)),
        "DELIVERY_BACKOFF_SECONDS": float(env.get("HERALD_DELIVERY_BACKOFF_SECONDS", 30)),
        "DELIVERY_BACKOFF_MAX_SECONDS": float(env.get("HERALD_DELIVERY_BACKOFF_MAX_SECONDS", 3600)),
        # The safety net under the in-process wake-up, and a separate worker's only signal.
        "DELIVERY_POLL_SECONDS": float(env.get("HERALD_DELIVERY_POLL_SECONDS", 1)),
        # Hard bounces after which an address gets nothing more.
        "BOUNCES_TO_QUARANTINE": int(env.get("HERALD_BOUNCES_TO_QUARANTINE", 3)),
        "SMTP_TIMEOUT_SECONDS": float(env.get("HERALD_SMTP_TIMEOUT_SECONDS", 10)),
        # With REDIS_URL: the RQ queue, and how long due work may sit unclaimed before the
        # workers' sweep enqueues it again (or, Redis being down, delivers it itself).
        "RQ_QUEUE": env.get("HERALD_RQ_QUEUE") or "herald-delivery",
        "DELIVERY_SWEEP_SECONDS": float(env.get("HERALD_DELIVERY_SWEEP_SECONDS", 10)),
    }
