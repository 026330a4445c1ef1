"""What every subscribe page shares: no caching, rate limits, consent evidence, form parsing."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from app.extensions import limiter
from app.models import SubscriberKind, utcnow
from app.public.subscribe import bp
from app.services import subscriptions

# Shown above the subscribe button; any change to the wording needs a new version, since
# each subscriber's record names the version they agreed to.
CONSENT_TEXT_VERSION = "2025-06-1"
THROTTLED = (
    "Too many subscription requests from your network, or for this address. "
    "Nothing more will be sent for now; wait a while and try again."
)


@bp.after_request
def _never_stored(response):
    # Per visitor (a CSRF token, a signed link in the URL): no shared or browser cache may
    # keep it, and a token in the URL must not travel on in a Referer or into a search index.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.errorhandler(RateLimitExceeded)
def _throttled(exc: RateLimitExceeded):
    response = current_app.make_response(
        (
            render_template(
                "errors/error.html", code=429, title="Too many attempts", message=exc.description
            ),
            429,
        )
    )
    response.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return response


@bp.app_template_global()
def subscribe_kinds() -> list[SubscriberKind]:
    """The kinds of subscription on offer (email only when mail is on), for menus and forms."""
    return subscriptions.available_kinds()


def evidence() -> subscriptions.Evidence:
    """This request as consent evidence: when, from which address, with which browser."""
    return subscriptions.Evidence(
        at=utcnow(),
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        consent_text_version=CONSENT_TEXT_VERSION,
    )


def ids(name: str) -> list[int]:
    """The whole numbers ticked in checkboxes called `name`; anything else is a 400."""
    values = request.form.getlist(name)
    if len(values) > 1000 or not all(v.isascii() and v.isdigit() and len(v) < 10 for v in values):
        abort(400, description="The form was changed in a way this site does not accept.")
    return [int(v) for v in values]


def optional_id(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) < 10):
        abort(404, description="No such incident.")
    return int(value)


def _address_key() -> str:
    # Empty when the form has no address: Flask-Limiter then skips this limit (the
    # per-IP one still applies). Lower-cased so case cannot dodge it.
    return (request.form.get("address") or "").strip().lower()[:2048]


def _limit(name: str):
    return lambda: current_app.config[name]


def rate_limited(view):
    """Subscribe and resend share two budgets: per client IP, and per address asked for."""
    view = limiter.shared_limit(
        _limit("SUBSCRIBE_LIMIT_ADDRESS"),
        scope="subscribe-address",
        key_func=_address_key,
        methods=["POST"],
        error_message=THROTTLED,
    )(view)
    return limiter.shared_limit(
        _limit("SUBSCRIBE_LIMIT_IP"),
        scope="subscribe-ip",
        key_func=get_remote_address,
        methods=["POST"],
        error_message=THROTTLED,
    )(view)
