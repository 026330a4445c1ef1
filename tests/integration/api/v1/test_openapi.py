"""Does /api/v1/openapi.json tell the truth? schemathesis generates requests from it and
checks every answer against it, through WSGI (no network)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 5


def test_the_document_lists_every_route(app, admin_api):
    """Is every /api/v1 route (but the document itself) in the OpenAPI document?"""
    document = admin_api.client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.openapi":
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == operations


def test_schemathesis_finds_no_server_error_and_no_broken_promise(app, make_token, make_component):
    """With an admin token, does any generated request get a 500, an undocumented status,
    or an answer that breaks its schema?"""
    secret = make_token("admin")
    make_component("API")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    failures = []
    # The /pages/{page_id}/… twins run the same views: the matrix test covers their routing.
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if not op.path.startswith("/api/v1/pages/{page_id}/")
    ]
    assert len(operations) > 20

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert failures == [], "\n\n".join(failures)
