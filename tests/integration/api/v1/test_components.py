"""Components and groups through the API, and what it does with bad bodies."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Component
from tests.integration.api.v1.conftest import error_of


def test_create_change_and_delete_a_component(admin_api):
    """Can a script add a component (wrapped, as Statuspage clients send it), set its
    status, rename it and delete it, with the public API following along?"""
    group = admin_api.post("/api/v1/component-groups", json={"name": "Backend"})
    assert group.status_code == 201
    created = admin_api.post(
        "/api/v1/components",
        json={"component": {"name": "API", "description": "REST", "group_id": group.json["id"]}},
    )
    assert created.status_code == 201, created.json
    code = created.json["id"]
    assert created.json["group_id"] == group.json["id"] and created.json["status"] == "operational"
    changed = admin_api.patch(f"/api/v1/components/{code}", json={"status": "major_outage"})
    assert changed.status_code == 200 and changed.json["status"] == "major_outage"
    assert changed.json["name"] == "API" and changed.json["description"] == "REST"
    public = admin_api.client.get("/api/v2/components.json").json["components"]
    assert {c["id"]: c["status"] for c in public}[code] == "major_outage"
    renamed = admin_api.put(f"/api/v1/components/{code}", json={"name": "Public API"})
    assert renamed.json["name"] == "Public API" and renamed.json["status"] == "major_outage"
    assert admin_api.delete(f"/api/v1/components/{code}").status_code == 204
    assert admin_api.get(f"/api/v1/components/{code}").status_code == 404
    actors = set(db.session.scalars(select(AuditEvent.actor_label)).all())
    assert any(a.startswith("API token “admin script”") for a in actors)


def test_groups_are_listed_changed_and_deleted(manager_api):
    """Can a manager's token rename and remove a group, leaving its components?"""
    group = manager_api.post("/api/v1/component-groups", json={"component_group": {"name": "A"}})
    code = group.json["id"]
    assert manager_api.get("/api/v1/component-groups").json[0]["id"] == code
    assert (
        manager_api.patch(f"/api/v1/component-groups/{code}", json={"name": "B"}).json["name"]
        == "B"
    )
    assert manager_api.delete(f"/api/v1/component-groups/{code}").status_code == 204
    assert manager_api.get(f"/api/v1/component-groups/{code}").status_code == 404


def _count() -> int:
    return db.session.scalar(select(func.count(Component.id)))


def test_bad_bodies_get_a_clear_4xx_and_write_nothing(admin_api):
    """Does each kind of bad body get its own clear status and message, and no component?"""
    url = "/api/v1/components"
    cases = [
        (dict(data="{not json", content_type="application/json"), 400, "not valid JSON"),
        (dict(data='{"name": "A"}', content_type="text/plain"), 415, "Content-Type"),
        # curl -d sends a form: it must be told to send JSON, not that "name" is missing.
        (dict(data={"name": "A"}, content_type="application/x-www-form-urlencoded"), 415, "JSON"),
        (dict(data={"name": "A"}, content_type="multipart/form-data"), 415, "JSON"),
        (dict(json={"name": "A", "colour": "red"}), 422, "Unknown field"),
        (dict(json={"component": {"name": "A"}, "colour": "red"}), 422, "not both: move colour"),
        (dict(json={"name": "A", "status": "exploded"}), 422, "not valid"),
        (dict(json={"name": "A\u0000B"}), 422, "control character"),
        (dict(json={"name": "A\u001b[31m"}), 422, "control character"),
        (dict(json=["name"]), 422, "JSON object"),
        (dict(json={"name": 5}), 422, "not valid"),
        (dict(json={}), 422, "not valid"),
        (dict(data='{"name": "A", "name": "B"}', content_type="application/json"), 400, "twice"),
        (dict(data='{"name": NaN}', content_type="application/json"), 400, "NaN"),
        (dict(data=b'{"name": "\xff"}', content_type="application/json"), 400, "UTF-8"),
        (dict(json={"name": "x" * 300_000}), 413, "larger"),
        # Nesting past Python's recursion limit, and deep but within it.
        (dict(data="[" * 5000 + "]" * 5000, content_type="application/json"), 400, "levels"),
        (
            dict(data='{"a":' * 3000 + "1" + "}" * 3000, content_type="application/json"),
            400,
            "levels",
        ),
        (
            dict(
                json={
                    "name": "A",
                    "description": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
                }
            ),
            400,
            "levels",
        ),
        (dict(json={"name": "A", "group_id": "nosuchgroup"}), 422, "No such component group"),
    ]
    for kwargs, status, words in cases:
        response = admin_api.post(url, **kwargs)
        assert response.status_code == status, (kwargs, response.json)
        assert words in error_of(response)["message"], (kwargs, response.json)
    assert _count() == 0
    unknown = admin_api.post(url, json={"name": "A", "colour": "red"})
    assert error_of(unknown)["fields"] == {"colour": "Unknown field."}
    invalid = admin_api.post(url, json={"name": "A", "status": "exploded"})
    assert "status" in error_of(invalid)["fields"]


def test_a_duplicate_name_is_a_422_naming_the_field(admin_api):
    """Is a second component with the same name refused on its name field?"""
    admin_api.post("/api/v1/components", json={"name": "API"})
    response = admin_api.post("/api/v1/components", json={"name": "api"})
    assert response.status_code == 422
    assert "name" in error_of(response)["fields"]


def test_a_retried_post_creates_one_component(admin_api):
    """With an Idempotency-Key, does a retried create make one component and replay the answer?"""
    headers = {"Idempotency-Key": "create-api-1"}
    first = admin_api.post("/api/v1/components", json={"name": "API"}, headers=headers)
    again = admin_api.post("/api/v1/components", json={"name": "API"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_data() == again.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count() == 1
    other = admin_api.post("/api/v1/components", json={"name": "Web"}, headers=headers)
    assert other.status_code == 422 and "different request" in error_of(other)["message"]
    assert _count() == 1


def test_a_refused_post_frees_its_key(admin_api):
    """After a refused create, does the corrected retry with the same key go through?"""
    headers = {"Idempotency-Key": "k"}
    assert (
        admin_api.post("/api/v1/components", json={"name": ""}, headers=headers).status_code == 422
    )
    fixed = admin_api.post("/api/v1/components", json={"name": "API"}, headers=headers)
    assert fixed.status_code == 201


def test_unknown_urls_and_methods_answer_in_the_error_shape(admin_api):
    """Do a wrong URL and a wrong method get the same JSON error shape?"""
    assert error_of(admin_api.get("/api/v1/nothing-here"))["code"] == 404
    response = admin_api.open("POST", "/api/v1/components/abc")
    assert response.status_code == 405 and error_of(response)


def test_a_retry_while_the_first_request_runs_is_told_to_wait(admin_api):
    """If a retry arrives while the first request with its key still runs, is it a 409
    that creates nothing?"""
    from app.api.v1.idempotent import fingerprint
    from app.models import ApiToken
    from app.services import idempotency

    token_id = db.session.scalar(select(ApiToken.id))
    request_body = b'{"name":"API"}'
    # The first request's reservation, as it stands while that request is running.
    sent = fingerprint("POST", "/api/v1/components", request_body)
    idempotency.reserve(token_id, "running", sent)
    response = admin_api.post(
        "/api/v1/components",
        data=request_body,
        content_type="application/json",
        headers={"Idempotency-Key": "running"},
    )
    assert response.status_code == 409 and "still running" in error_of(response)["message"]
    assert _count() == 0


def test_a_key_is_forgotten_after_a_day(admin_api):
    """Does a key reused after 24 hours run the request again rather than replay?"""
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import IdempotentRequest, utcnow

    headers = {"Idempotency-Key": "daily"}
    admin_api.post("/api/v1/components", json={"name": "API"}, headers=headers)
    db.session.execute(update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    again = admin_api.post("/api/v1/components", json={"name": "API"}, headers=headers)
    assert again.status_code == 422 and "already exists" in error_of(again)["message"]


def test_a_bad_idempotency_key_is_refused(admin_api):
    """Is a key with spaces or of 300 characters refused before anything is written?"""
    for key in ("has space", "x" * 300):
        response = admin_api.post(
            "/api/v1/components", json={"name": "API"}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 400
    assert _count() == 0
