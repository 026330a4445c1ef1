"""The OpenAPI 3.1 document of /api/v1, built from the URL map and each view's `Doc`.

Paths come from the routes themselves and request bodies from the very field
declarations the parser uses, so the document cannot list an endpoint that does not
exist or a field the API would refuse; response shapes reuse the JSON Schema that
pins /api/v2 (app/api/schema/statuspage-v2.json). Tests run schemathesis against it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from flask import current_app

from app.api.v1 import route
from app.api.v1.docs import Doc
from app.api.v1.present import as_json
from app.models import ComponentStatus, InternalImpact, Priority, TemplateKind, Urgency
from app.models.enums import INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services.alerts import OUTCOMES

ERRORS = {
    400: "Malformed request: bad JSON, a token in the query string, a bad header",
    401: "No token, or an unknown, revoked or expired one",
    403: "A manager's token on an admin-only endpoint",
    404: "No such resource or page",
    409: "In conflict with the current state, or a retry still running",
    413: "Body too large",
    415: "Body not sent as application/json",
    422: "Fields that are unknown, of the wrong type, or break a rule",
    429: "Too many requests with this token",
    503: "The database is busy or unavailable; nothing was saved",
}
_TEMPLATE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "name",
        "kind",
        "title",
        "body",
        "update_status",
        "impact",
        "components",
        "component_ids",
        "should_send_notifications",
        "should_tweet",
        "group_id",
        "created_at",
        "updated_at",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"enum": [k.value for k in TemplateKind]},
        "title": {"type": ["string", "null"]},
        "body": {"type": "string"},
        "update_status": {"enum": [s.value for s in INCIDENT_STATUSES]},
        "impact": {"enum": [*(i.value for i in INCIDENT_IMPACTS), None]},
        "components": {
            "type": "object",
            "additionalProperties": {"enum": [s.value for s in ComponentStatus]},
        },
        "component_ids": {"type": "array", "items": {"type": "string"}},
        "should_send_notifications": {"type": "boolean"},
        "should_tweet": {"const": False},
        "group_id": {"type": "null"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@cache
def _v2_definitions() -> dict:
    text = files("app.api").joinpath("schema/statuspage-v2.json").read_text("utf-8")
    text = text.replace("#/$defs/", "#/components/schemas/")
    return json.loads(text)["$defs"]


def _schemas() -> dict:
    v2 = _v2_definitions()
    ref = {name: {"$ref": f"#/components/schemas/{name}"} for name in v2}
    nullable_time = {"oneOf": [ref["timestamp"], {"type": "null"}]}
    return {
        **v2,
        "component_list": {"type": "array", "items": {"oneOf": [ref["component"], ref["group"]]}},
        "group_list": {"type": "array", "items": ref["group"]},
        "management_incident": _management_incident(v2["incident"]),
        "any_incident": {
            "oneOf": [
                {"$ref": "#/components/schemas/management_incident"},
                ref["scheduled_maintenance"],
            ]
        },
        "incident_list": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/any_incident"},
        },
        "incident_template": _TEMPLATE,
        "incident_template_list": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/incident_template"},
        },
        "postmortem": {
            "type": "object",
            "additionalProperties": False,
            "required": ["incident_id", "body", "published", "updated_at", "published_at"],
            "properties": {
                "incident_id": ref["id"],
                "body": {"type": ["string", "null"]},
                "published": {"type": "boolean"},
                "updated_at": nullable_time,
                "published_at": nullable_time,
            },
        },
        "subscriber": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": ref["id"],
                "type": {"enum": ["email", "webhook", "slack", "discord"]},
                "mode": {"enum": ["email", "webhook", "slack", "discord"]},
                "email": {"type": ["string", "null"]},
                "endpoint": {"type": ["string", "null"]},
                "state": {"enum": ["pending", "confirmed", "unsubscribed", "quarantined"]},
                "created_at": ref["timestamp"],
                "confirmed_at": nullable_time,
                "unsubscribed_at": nullable_time,
                "components": {"type": ["array", "null"], "items": ref["id"]},
            },
        },
        "subscriber_list": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/subscriber"},
        },
        "page_settings": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name", "url", "time_zone", "updated_at"],
            "properties": {
                **v2["page"]["properties"],
                "support_url": {"type": ["string", "null"]},
                "logo_url": {"type": ["string", "null"]},
                "accent_color": {"type": "string"},
            },
        },
        "alert_delivery": {
            "type": "object",
            "additionalProperties": False,
            "required": ["received", *OUTCOMES],
            "properties": {
                name: {"type": "integer", "minimum": 0} for name in ("received", *OUTCOMES)
            },
        },
        "error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "message", "fields"],
                    "properties": {
                        "code": {"type": "integer"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                }
            },
        },
    }


def _management_incident(public: dict) -> dict:
    """/api/v2's incident plus the managers' classification, which only /api/v1 shows."""
    internal = {
        "internal_impact": [m.value for m in InternalImpact],
        "urgency": [m.value for m in Urgency],
        "priority": [m.value for m in Priority],
    }
    return {
        **public,
        "required": [*public["required"], *internal, "owner_email"],
        "properties": {
            **public["properties"],
            **{name: {"enum": [*values, None]} for name, values in internal.items()},
            "owner_email": {"type": ["string", "null"]},
        },
    }


def _path(rule: str) -> tuple[str, list[dict]]:
    parameters = []
    for converter, name in _ARGUMENT.findall(rule):
        schema = (
            {"type": "string", "pattern": "^[0-9]{1,10}$"}
            if converter == "int"
            else {
                "type": "string",
                "maxLength": 64,
            }
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule), parameters


def _operation(endpoint: str, method: str, doc: Doc, parameters: list[dict]) -> dict:
    view = current_app.view_functions[endpoint]
    admin = getattr(view, "required_role", "manager") == "admin"
    success: dict = {"description": "Done"}
    if doc.response:
        success["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{doc.response}"}}
        }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}
    responses = {str(doc.status): success}
    responses |= {
        str(code): {"description": text, "content": error} for code, text in ERRORS.items()
    }
    operation = {
        "operationId": f"{endpoint.removeprefix('api_v1.')}_{method.lower()}",
        "summary": doc.summary + (" (admin token)" if admin else ""),
        "parameters": parameters
        + [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in doc.query.items()
        ],
        "responses": responses,
        # Whether Statuspage's management API has the same endpoint (README lists them).
        "x-statuspage-compatible": doc.statuspage,
    }
    if method == "POST":
        operation["parameters"].append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
            }
        )
    if doc.body is not None:
        operation["requestBody"] = {
            "required": doc.body.needs_body,
            "content": {"application/json": {"schema": doc.body.openapi()}},
        }
    return operation


def build() -> dict:
    paths: dict = {}
    for rule in current_app.url_map.iter_rules():
        doc = getattr(current_app.view_functions.get(rule.endpoint), "api_doc", None)
        if doc is None:
            continue
        path, parameters = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method, doc, parameters
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Herald management API",
            "version": "1",
            "description": "Statuspage-compatible management API. Authenticate with "
            "`Authorization: Bearer <token>` (or `OAuth <token>`), tokens made in the admin "
            "under API tokens.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": dict(sorted(paths.items())),
    }


@route("/openapi.json", page_scoped=False)
def openapi():
    return as_json(build())
