"""/healthz (the process answers), /readyz (it can serve), /metrics (Prometheus)."""

from __future__ import annotations

import hmac
import ipaddress
from functools import cache

from flask import Blueprint, Response, abort, current_app, jsonify, request


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


bp = Blueprint("ops", __name__)


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz():
    """Alive: answers without touching the database, Redis or anything else."""
    return _no_store(jsonify(status="ok"))


@bp.route("/readyz", methods=["GET", "HEAD"])
def readyz():
    """Ready to serve: 200 when every counted check passes, else 503, with each check's finding."""
    from app.ops.readiness import run_checks

    checks = run_checks(current_app._get_current_object())
    ready = all(check.ok for check in checks if check.counts)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {check.name: check.as_json() | {"counts": check.counts} for check in checks},
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return _no_store(response)


@bp.route("/metrics", methods=["GET"])
def metrics():
    """Prometheus exposition of every process of this host, plus gauges from the database."""
    config = current_app.config
    if not config["METRICS_ENABLED"]:
        abort(404)
    _check_allowed(config.get("METRICS_ALLOW"))
    _check_token(config.get("METRICS_TOKEN"))
    from app.observability.metrics import render_latest
    from app.ops.collectors import DatabaseCollector

    body, content_type = render_latest([DatabaseCollector(current_app._get_current_object())])
    return _no_store(Response(body, content_type=content_type))


def _check_token(token: str | None) -> None:
    if not token:
        return
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        response = jsonify(error={"code": 401, "message": "A valid bearer token is required."})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        abort(_no_store(response))


def _check_allowed(allow: str | None) -> None:
    if not allow:
        return
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        address = None
    if address is None or not any(address in network for network in _networks(allow)):
        response = jsonify(
            error={"code": 403, "message": "Metrics are not served to this address."}
        )
        response.status_code = 403
        abort(_no_store(response))


@cache
def _networks(allow: str) -> tuple:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in allow.split(",")
        if part.strip()
    )
