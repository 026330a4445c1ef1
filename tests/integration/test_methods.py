"""Do HEAD and OPTIONS work on every public route, as HTTP clients and CDNs expect?"""

from __future__ import annotations

from app.services import incidents


def _public_paths(app, component_code: str, incident_id: int):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("public", "api") or "GET" not in rule.methods:
            continue
        path = rule.rule
        path = path.replace("<int:incident_id>", str(incident_id))
        path = path.replace("<incident_id>", str(incident_id)).replace("<code>", component_code)
        if "<" not in path:
            yield path


def test_head_and_options_answer_on_every_public_route(app, client, make_component):
    """Does every public page, feed, badge and API document answer HEAD without a body,
    with the GET's headers, and OPTIONS with the allowed methods?"""
    component = make_component("API")
    incident = incidents.open_incident(
        name="Outage",
        impact="minor",
        message="Slow.",
        components={component.id: "degraded_performance"},
    )
    paths = sorted(set(_public_paths(app, component.code, incident.id)))
    assert "/" in paths and "/api/v2/summary.json" in paths and "/history.atom" in paths
    for path in paths:
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.data == b"", path
        assert head.headers["Content-Type"] == get.headers["Content-Type"], path
        assert head.headers.get("ETag") == get.headers.get("ETag"), path
        assert head.headers["Content-Length"] == get.headers["Content-Length"], path
        options = client.options(path)
        assert options.status_code in (200, 204), path
        assert "GET" in options.headers["Allow"] and "HEAD" in options.headers["Allow"], path
