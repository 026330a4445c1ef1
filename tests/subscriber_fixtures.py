"""Fixtures and helpers for the subscriber tests (service, page and browser tests share them).

Import the fixtures into a folder's conftest.py; the helpers are plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, NotificationKind, Subscriber
from app.services import component_groups, components, subscriber_tokens
from app.services.subscriptions import Evidence

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SMTP_URL = "smtp://127.0.0.1:2525"


def at(minutes: float) -> datetime:
    """A fixed moment `minutes` after T0, so no test depends on the wall clock."""
    return T0 + timedelta(minutes=minutes)


def evidence(minutes: float = 0, ip: str = "203.0.113.7") -> Evidence:
    return Evidence(
        at=at(minutes), ip=ip, user_agent="Mozilla/5.0 (pytest)", consent_text_version="test-1"
    )


def subscriber(address: str, kind: str = "email") -> Subscriber | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Subscriber).where(Subscriber.kind == kind, Subscriber.address == address)
    )


def queued(kind: NotificationKind | None = None) -> list[Notification]:
    """The notifications in the outbox, oldest first (optionally of one kind)."""
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def link(purpose: str, who: Subscriber) -> str:
    """The token the mailer would put in a link to `who` now."""
    return subscriber_tokens.make(subscriber_tokens.Purpose(purpose), who.id, who.token_nonce)


@dataclass
class Catalogue:
    group_id: int
    api_id: int
    database_id: int
    website_id: int


@pytest.fixture
def mail_on(app):
    """Mail is configured (SMTP_URL set); nothing is sent by these tests."""
    before = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = SMTP_URL
    yield
    app.config["SMTP_URL"] = before


@pytest.fixture
def mail_off(app):
    before = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = None
    yield
    app.config["SMTP_URL"] = before


@pytest.fixture
def loopback_webhooks(app):
    """The test-only setting that lets a webhook point at 127.0.0.1."""
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    yield
    app.config.pop("WEBHOOK_ALLOW_LOOPBACK", None)


@pytest.fixture
def catalogue(app) -> Catalogue:
    """A group "Core" (API, Database) and a component in no group (Website)."""
    return build_catalogue()


def build_catalogue() -> Catalogue:
    """The `catalogue` fixture's components, made again (after the tables were emptied)."""
    core = component_groups.create_group(name="Core")
    api = components.create_component(name="API", group_id=core.id)
    database = components.create_component(name="Database", group_id=core.id)
    website = components.create_component(name="Website")
    return Catalogue(core.id, api.id, database.id, website.id)


def csrf(client, path: str = "/subscribe") -> str:
    """The CSRF token of the form on `path`, as a browser would have it."""
    from tests.conftest import csrf_token_from

    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_token_from(response.get_data(as_text=True))


def post_subscribe(client, address: str, kind: str = "email", **fields):
    """Fill in and send the subscribe form (everything ticked unless `component`/`group`)."""
    data = {"csrf_token": csrf(client, f"/subscribe?kind={kind}"), "kind": kind, "address": address}
    data.update(fields)
    return client.post("/subscribe", data=data)


def every_box(catalogue: Catalogue) -> dict:
    """The subscribe form's checkboxes, all ticked (the default)."""
    return {
        "component": [str(catalogue.api_id), str(catalogue.database_id), str(catalogue.website_id)],
        "group": [str(catalogue.group_id)],
    }


def seed_subscribers(app, followed_id: int, offered_id: int) -> dict[str, str]:
    """Turn mail on and add a pending, a confirmed and an unsubscribed subscriber; returns
    the paths of their confirm, manage and unsubscribe pages (for the page-quality checks).

    The confirmed one follows incident `followed_id`; its manage page offers `offered_id`.
    """
    from app.services import subscription_manage, subscriptions
    from app.services.components import list_components

    app.config["SMTP_URL"] = SMTP_URL
    with app.app_context():
        first = list_components()[0].id
        subscriptions.subscribe("pending@example.com", "email", evidence=evidence(0))
        subscriptions.subscribe(
            "ada@example.com", "email", component_ids=[first], group_ids=[], evidence=evidence(0)
        )
        ada = subscriptions.confirm(
            link("confirm", subscriber("ada@example.com")), evidence=evidence()
        )
        subscription_manage.follow_incident(ada, followed_id, now=at(2))
        subscriptions.subscribe("gone@example.com", "email", evidence=evidence(0))
        gone = subscriber("gone@example.com")
        gone_link = link("unsubscribe", gone)
        subscription_manage.unsubscribe(gone, now=at(3))
        pending, ada = subscriber("pending@example.com"), subscriber("ada@example.com")
        return {
            "subscribe_confirm": f"/subscribe/confirm/{link('confirm', pending)}",
            "subscribe_manage": f"/subscribe/manage/{link('manage', ada)}?follow={offered_id}",
            "unsubscribe": f"/unsubscribe/{link('unsubscribe', ada)}",
            "unsubscribed": f"/unsubscribe/{gone_link}",
        }
