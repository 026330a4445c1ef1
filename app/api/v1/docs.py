"""What each view tells the OpenAPI document: summary, body, query, answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.api.v1.fields import Body, Payload


@dataclass(frozen=True)
class Doc:
    summary: str
    body: Body | Payload | None = None
    response: str | None = None  # a schema name in openapi.py
    status: int = 200
    query: dict = field(default_factory=dict)  # name -> JSON schema
    statuspage: bool = True  # the same endpoint exists in Statuspage's API


def document(summary: str, **kwargs):
    def mark(view):
        view.api_doc = Doc(summary, **kwargs)
        return view

    return mark
