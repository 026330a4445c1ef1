"""Tokens and a client that sends them, for the /api/v1 tests."""

from __future__ import annotations

import pytest

from app.services import api_tokens


class Api:
    """A test client that authenticates every request with one token."""

    def __init__(self, client, secret: str | None, scheme: str = "Bearer"):
        self.client = client
        self.secret = secret
        self.scheme = scheme

    def open(self, method: str, url: str, json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"{self.scheme} {self.secret}")
        return self.client.open(url, method=method, json=json, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self.open("POST", url, json=json, **kwargs)

    def patch(self, url, json=None, **kwargs):
        return self.open("PATCH", url, json=json, **kwargs)

    def put(self, url, json=None, **kwargs):
        return self.open("PUT", url, json=json, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def make_token(app):
    def make(role="admin", name=None, **kwargs):
        _, secret = api_tokens.create_token(
            name=name or f"{role} script", role=role, actor="test", **kwargs
        )
        return secret

    return make


@pytest.fixture
def admin_api(app, make_token):
    return Api(app.test_client(), make_token("admin"))


@pytest.fixture
def manager_api(app, make_token):
    return Api(app.test_client(), make_token("manager"))


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] == response.status_code
    return body["error"]
