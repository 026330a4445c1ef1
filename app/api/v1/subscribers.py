"""Subscribers (admin tokens only: addresses are personal data): list, add, read, remove.

Adding goes through the same double opt-in as the public form: the subscriber is
pending until whoever holds the address confirms it.
"""

from __future__ import annotations

from flask import request

from app.api.v1 import actor, admin_only, lookup, query, route
from app.api.v1 import fields as f
from app.api.v1.body import read
from app.api.v1.docs import document
from app.api.v1.errors import ApiError
from app.api.v1.idempotent import idempotent
from app.api.v1.present import as_json, no_content, subscriber
from app.extensions import db
from app.models import Component, SubscriberKind, SubscriberState, utcnow
from app.services import subscriber_admin, subscriptions
from app.services.errors import Invalid
from app.services.subscriber_address import MAX_EMAIL

SUPPRESSED = (
    "This address is on the suppression list (an admin removed it), so nothing was added. "
    "An admin can lift the suppression under Subscribers → Suppressed."
)

CONSENT_TEXT_VERSION = "api"
NEW_SUBSCRIBER = f.Body(
    "subscriber",
    {
        "email": f.string(MAX_EMAIL),
        "endpoint": f.string(2048),
        "type": f.choice(SubscriberKind),
        "component_ids": f.id_list(),
    },
)
_QUERY = {
    "q": {"type": "string", "maxLength": 200},
    "type": {"type": "string", "enum": [k.value for k in SubscriberKind]},
    "state": {"type": "string", "enum": [s.value for s in SubscriberState]},
    "limit": {"type": "string", "pattern": "^[0-9]{1,3}$"},
    "page": {"type": "string", "pattern": "^[0-9]{1,5}$"},
}


def _codes() -> dict[int, str]:
    return dict(db.session.execute(db.select(Component.id, Component.code)).all())


def _subscriber(subscriber_id: str):
    if not (subscriber_id.isascii() and subscriber_id.isdigit()) or int(subscriber_id) > 2**31 - 1:
        raise ApiError(404, "No such subscriber.")
    return subscriber_admin.get_subscriber(int(subscriber_id))


@route("/subscribers")
@admin_only
@document("List subscribers, newest first", response="subscriber_list", query=_QUERY)
def subscriber_list():
    found = subscriber_admin.search(
        query.text("q"),
        query.member("type", SubscriberKind),
        query.member("state", SubscriberState),
        page=query.number("page", 1, 100_000),
        per_page=query.number("limit", 50, 100),
    )
    codes = _codes()
    return as_json([subscriber(s, codes) for s in found.items])


def _kind_and_address(values: dict) -> tuple[SubscriberKind, str]:
    if ("email" in values) == ("endpoint" in values):
        raise ApiError(
            422,
            "Send either email or endpoint (a webhook, Slack or Discord URL).",
            {"email": "Send email or endpoint.", "endpoint": "Send email or endpoint."},
        )
    if "email" in values:
        if values.get("type", "email") != "email":
            raise ApiError(422, "An email address needs type email.", {"type": "Must be email."})
        return SubscriberKind.EMAIL, values["email"]
    kind = SubscriberKind(values.get("type", "webhook"))
    if kind == SubscriberKind.EMAIL:
        raise ApiError(422, "An endpoint cannot have type email.", {"type": "Not email."})
    return kind, values["endpoint"]


@route("/subscribers", ("POST",))
@admin_only
@document(
    "Add a subscriber (pending until the address confirms)",
    body=NEW_SUBSCRIBER,
    response="subscriber",
    status=201,
)
@idempotent
def subscriber_create():
    values = read(NEW_SUBSCRIBER)
    kind, address = _kind_and_address(values)
    codes = values.get("component_ids")
    ids = lookup.component_ids(codes or [], "component_ids")
    evidence = subscriptions.Evidence(
        at=utcnow(),
        ip=request.remote_addr,
        user_agent=f"{actor()} {request.user_agent.string}"[:512],
        consent_text_version=CONSENT_TEXT_VERSION,
    )
    field = "email" if kind == SubscriberKind.EMAIL else "endpoint"
    try:
        subscriptions.subscribe(
            address,
            kind,
            evidence=evidence,
            component_ids=[ids[c] for c in codes] if codes is not None else None,
        )
        kind, stored = subscriptions.checked_address(kind, address)
    except Invalid as exc:
        # The services name the address as their forms label it ("email address",
        # "Slack webhook URL"); a script reads the field it sent.
        if exc.field == "kind":
            raise
        raise ApiError(422, exc.message, {field: exc.message}) from None
    found = subscriptions.find(kind, stored)
    if found is None:  # an admin's token may learn what the public form never says
        raise ApiError(409, SUPPRESSED, {field: "Suppressed."})
    return as_json(subscriber(found, _codes()), 201)


@route("/subscribers/<subscriber_id>")
@admin_only
@document("Read a subscriber", response="subscriber")
def subscriber_read(subscriber_id: str):
    return as_json(subscriber(_subscriber(subscriber_id), _codes()))


@route("/subscribers/<subscriber_id>", ("DELETE",))
@admin_only
@document("Remove a subscriber and their delivery history", status=204)
def subscriber_remove(subscriber_id: str):
    subscriber_admin.remove(_subscriber(subscriber_id), now=utcnow(), actor=actor())
    return no_content()
