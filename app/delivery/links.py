"""Absolute links to Herald's own pages, made outside any request (in the worker).

Built from `SITE_URL` through the app's URL map, by endpoint name, so a link in
a message always matches the route that answers it. Each subscriber link
carries a signed token (app/services/subscriber_tokens.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from app.models import Subscriber
from app.services import subscriber_tokens
from app.services.subscriber_tokens import Purpose


def url_for_site(endpoint: str, **values) -> str:
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def subscriber_link(purpose: Purpose, subscriber: Subscriber) -> str:
    """The subscriber's confirm, manage or unsubscribe page, good until its nonce rotates."""
    token = subscriber_tokens.make(purpose, subscriber.id, subscriber.token_nonce)
    endpoint = {
        Purpose.CONFIRM: "subscribe.confirm",
        Purpose.MANAGE: "subscribe.manage",
        Purpose.UNSUBSCRIBE: "subscribe.unsubscribe",
    }[purpose]
    return url_for_site(endpoint, token=token)


def incident_link(incident_id: int) -> str:
    return url_for_site("public.incident", incident_id=incident_id)
