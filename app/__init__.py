"""The application factory: config, extensions, blueprints, CLI. No I/O at start-up."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.cache.wsgi import FastPath
from app.config import RESOURCES, load_config
from app.extensions import csrf, db, limiter, login_manager, migrate


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    """Build a Herald app; `config` overrides settings from the environment."""
    app = Flask(
        __name__,
        template_folder=str(RESOURCES / "templates"),
        static_folder=str(RESOURCES / "static"),
    )
    app.config.update(load_config(config))
    # Ids in URLs fit the database's integer column: a larger number is a 404, not
    # an overflow error from PostgreSQL.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.wsgi_app = FastPath(app, app.wsgi_app)  # cache hits skip Flask; inside ProxyFix
    if app.config["PROXY_HOPS"]:
        # Client IPs (login throttling) and https detection come from the proxy.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import database
    from app.delivery import queue  # noqa: F401  (after-commit hook: wakes the worker)

    database.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(RESOURCES / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from app import errors, security, templating
    from app.admin.views import bp as admin_bp
    from app.api.v1.views import bp as api_v1_bp
    from app.api.views import bp as api_bp
    from app.cli import register_cli
    from app.public.subscribe.views import bp as subscribe_bp
    from app.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    # Its own blueprint: per-visitor pages, rate limited, never from the render cache.
    app.register_blueprint(subscribe_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    # Token auth, never cookies: no CSRF to check; its own per-token rate limit.
    app.register_blueprint(api_v1_bp, url_prefix="/api/v1")
    csrf.exempt(api_v1_bp)
    # Only logins are throttled; public reads must not pay the limiter's cost.
    limiter.exempt(public_bp)
    limiter.exempt(api_bp)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    register_cli(app)
    _operations(app)
    return app


def _operations(app: Flask) -> None:
    """Health, metrics and logs (app/ops, app/observability): last, so the request
    observer wraps everything, the fast path and the proxy fix included."""
    from app import ops
    from app.observability import logs, requests

    ops.init_app(app)
    if not app.testing or app.config.get("LOG_CONFIGURE"):
        logs.configure(app.config["LOG_FORMAT"])
    requests.init_app(app)
