"""Subscribers and the page settings through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Subscriber
from tests.integration.api.v1.conftest import error_of
from tests.subscriber_fixtures import mail_on  # noqa: F401

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


def test_an_admin_token_adds_lists_and_removes_a_subscriber(admin_api, make_component):
    """Can a script add a Slack subscriber for one component, find it, and remove it?"""
    api_component = make_component("API")
    added = admin_api.post(
        "/api/v1/subscribers",
        json={
            "subscriber": {
                "endpoint": SLACK,
                "type": "slack",
                "component_ids": [api_component.code],
            }
        },
    )
    assert added.status_code == 201, added.json
    assert added.json["state"] == "pending" and added.json["components"] == [api_component.code]
    listed = admin_api.get("/api/v1/subscribers?type=slack").json
    assert [s["id"] for s in listed] == [added.json["id"]]
    assert admin_api.get(f"/api/v1/subscribers/{added.json['id']}").json["endpoint"] == SLACK
    assert admin_api.delete(f"/api/v1/subscribers/{added.json['id']}").status_code == 204
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_a_removed_endpoint_cannot_be_added_again(admin_api):
    """Once removed, is the same endpoint refused with a 409 that says it is suppressed, and
    nothing added?"""
    body = {"subscriber": {"endpoint": SLACK, "type": "slack"}}
    added = admin_api.post("/api/v1/subscribers", json=body)
    assert admin_api.delete(f"/api/v1/subscribers/{added.json['id']}").status_code == 204
    again = admin_api.post("/api/v1/subscribers", json=body)
    assert again.status_code == 409
    assert "suppression list" in error_of(again)["message"]
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_bad_subscribers_are_refused(admin_api):
    """Are an address that is no URL, email while mail is off, and both at once refused?"""
    cases = [
        {"endpoint": "not a url", "type": "webhook"},
        {"email": "someone@example.com"},
        {"email": "a@example.com", "endpoint": SLACK},
        {},
        {"endpoint": SLACK, "type": "slack", "component_ids": ["nosuch"]},
    ]
    for body in cases:
        response = admin_api.post("/api/v1/subscribers", json=body)
        assert response.status_code == 422, (body, response.json)
        assert error_of(response)["fields"], body
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0
    assert admin_api.get("/api/v1/subscribers?state=gone").status_code == 400


def test_a_bad_endpoint_is_named_by_the_field_sent(admin_api):
    """Does a script learn which of its fields was wrong by the name it sent, not the
    label of the admin form ("webhook URL", "Slack webhook URL")?"""
    cases = [
        {"endpoint": "https://a.example.com/\r\nx", "type": "webhook"},
        {"endpoint": "", "type": "slack"},
        {"endpoint": "not a url", "type": "discord"},
    ]
    for body in cases:
        response = admin_api.post("/api/v1/subscribers", json=body)
        assert response.status_code == 422, (body, response.json)
        assert list(error_of(response)["fields"]) == ["endpoint"], (body, response.json)
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_the_page_settings_are_readable(manager_api):
    """Does /page, and /pages/<id>, give the page's id, name and settings?"""
    page = manager_api.get("/api/v1/page")
    assert page.status_code == 200 and page.json["name"] == "Herald Status"
    assert manager_api.get(f"/api/v1/pages/{page.json['id']}").json == page.json
    assert manager_api.get("/api/v1/pages/other").status_code == 404


@pytest.mark.usefixtures("mail_on")
def test_a_bad_email_is_named_email(admin_api):
    """With mail on, is a bad email address reported on the field `email`, as sent?"""
    for address in ["", "a b@example.com", "no-at-sign", "a@b"]:
        response = admin_api.post("/api/v1/subscribers", json={"email": address})
        assert response.status_code == 422, (address, response.json)
        assert list(error_of(response)["fields"]) == ["email"], (address, response.json)
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0
