"""Alert webhooks: Prometheus Alertmanager (webhook version 4) and Grafana alerting.

Both send the same shape: a group of alerts, each with a status, labels, annotations
and a fingerprint. This module only checks that shape; what the alerts do is decided
in app/services/alerts.py. Point the sender's webhook at the URL with an API token in
its Authorization header (README, "Alerts from Alertmanager and Grafana").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.api.v1 import actor, route
from app.api.v1.body import raw_json
from app.api.v1.docs import document
from app.api.v1.errors import ApiError
from app.api.v1.fields import MAX_ITEMS, Payload
from app.api.v1.present import as_json
from app.services import alerts
from app.services.alerts import MAX_FINGERPRINT, Alert

MAX_LABELS = 100
MAX_LABEL_VALUE = 1000
MAX_ANNOTATION = 20_000
MAX_REPORTED = 20  # of a bad body's mistakes, the first few say enough
_FINGERPRINT = re.compile(rf"^[\x21-\x7e]{{1,{MAX_FINGERPRINT}}}$")


def _strings(max_len: int) -> dict:
    return {
        "type": "object",
        "maxProperties": MAX_LABELS,
        "additionalProperties": {"type": "string", "maxLength": max_len},
    }


# The fields Herald reads; the senders' other fields (startsAt, generatorURL, …) pass.
ALERT_PAYLOAD = Payload(
    {
        "type": "object",
        "required": ["alerts"],
        "properties": {
            "alerts": {
                "type": "array",
                "maxItems": MAX_ITEMS,
                "items": {
                    "type": "object",
                    "required": ["status", "labels"],
                    "properties": {
                        "status": {"enum": ["firing", "resolved"]},
                        "labels": _strings(MAX_LABEL_VALUE),
                        "annotations": {"oneOf": [_strings(MAX_ANNOTATION), {"type": "null"}]},
                        "fingerprint": {"type": "string", "pattern": _FINGERPRINT.pattern},
                    },
                },
            }
        },
    },
    required=("alerts",),
)


def _string_map(value, path: str, max_len: int, errors: dict) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_LABELS:
        errors[path] = f"Must be an object of at most {MAX_LABELS} names to strings."
        return {}
    for name, item in value.items():
        if not isinstance(item, str) or len(item) > max_len:
            errors[f"{path}.{name[:40]}"] = f"Must be a string of at most {max_len} characters."
    return value


def parse_start(value) -> datetime | None:
    """An alert's startsAt (RFC 3339, as Alertmanager and Grafana send it), or None when it
    is missing or unreadable: a timestamp is no reason to refuse the alert and make the
    sender retry forever. Alertmanager's nanoseconds are cut to what Python keeps."""
    if not isinstance(value, str) or not 20 <= len(value) <= 40:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip()).replace("z", "Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _alert(value, path: str, errors: dict) -> Alert | None:
    if not isinstance(value, dict):
        errors[path] = "Must be an object."
        return None
    status = value.get("status")
    if status not in ("firing", "resolved"):
        errors[f"{path}.status"] = "Must be firing or resolved."
    labels = _string_map(value.get("labels"), f"{path}.labels", MAX_LABEL_VALUE, errors)
    annotations = value.get("annotations") or {}
    annotations = _string_map(annotations, f"{path}.annotations", MAX_ANNOTATION, errors)
    fingerprint = value.get("fingerprint")
    if fingerprint is not None and not (
        isinstance(fingerprint, str) and _FINGERPRINT.match(fingerprint)
    ):
        errors[f"{path}.fingerprint"] = f"Must be 1 to {MAX_FINGERPRINT} visible ASCII characters."
    starts_at = parse_start(value.get("startsAt"))
    return Alert(status == "firing", labels, annotations, fingerprint, starts_at)


def read_alerts() -> list[Alert]:
    """The delivery's alerts; a 4xx in the API's error shape for anything else."""
    value = raw_json()
    if not isinstance(value, dict):
        raise ApiError(422, "The body must be the webhook's JSON object, with a list of alerts.")
    items = value.get("alerts")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise ApiError(
            422,
            "The body holds no list of alerts: is this webhook pointed at the right URL?",
            {"alerts": f"Must be a list of at most {MAX_ITEMS} alerts."},
        )
    errors: dict[str, str] = {}
    found = [_alert(item, f"alerts[{i}]", errors) for i, item in enumerate(items)]
    if errors:
        reported = dict(list(errors.items())[:MAX_REPORTED])
        raise ApiError(422, "Some alerts are not in the webhook's format; see fields.", reported)
    return [alert for alert in found if alert is not None]


def _deliver(source: str):
    return as_json(alerts.receive(source, read_alerts(), actor=actor()))


@route("/integrations/alertmanager", ("POST",), page_scoped=False)
@document(
    "Receive a Prometheus Alertmanager webhook (version 4)",
    body=ALERT_PAYLOAD,
    response="alert_delivery",
    statuspage=False,
)
def alertmanager():
    return _deliver("alertmanager")


@route("/integrations/grafana", ("POST",), page_scoped=False)
@document(
    "Receive a Grafana alerting webhook contact point",
    body=ALERT_PAYLOAD,
    response="alert_delivery",
    statuspage=False,
)
def grafana():
    return _deliver("grafana")
