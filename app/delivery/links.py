"""Absolute links to Herald's own pages, made outside any request (in the worker).

Built from the public address (app/site.py) through the app's URL map, by
endpoint name, so a link in a message always matches the route that answers it.
Each subscriber link carries a signed token (app/services/subscriber_tokens.py).
"""

from __future__ import annotations

from app.models import Subscriber
from app.services import subscriber_tokens
from app.services.subscriber_tokens import Purpose
from app.site import absolute_url


def url_for_site(endpoint: str, **values) -> str:
    return absolute_url(endpoint, **values)


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
