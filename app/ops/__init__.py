"""The operator's endpoints: /healthz, /readyz, /metrics (blueprint `ops`).

Never cached (`Cache-Control: no-store`), never rate-limited, never learned by
the cache's fast path (they do not wear `public_cached`) and never written to
the static mirror (publish plans the public and api blueprints only).
"""

from flask import Flask, request


def init_app(app: Flask) -> None:
    """Register the blueprint and count failed log-ins as the login view answers them."""
    from app.extensions import limiter
    from app.ops.views import bp

    app.register_blueprint(bp)
    limiter.exempt(bp)
    app.after_request(_count_login_failures)


def _count_login_failures(response):
    # The login view answers 401 to a wrong email or password, 429 once throttled.
    if request.endpoint == "admin.login" and request.method == "POST":
        reason = {401: "bad_credentials", 429: "throttled"}.get(response.status_code)
        if reason:
            from app.observability.metrics import login_failed

            login_failed(reason)
    return response
