"""A component's status changed by hand reaches webhook subscribers as a `component_update`."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.delivery import webhooks
from app.delivery.outcome import Result
from app.extensions import db
from app.models import Delivery, Notification, NotificationKind
from app.services import components
from tests.integration.webhooks.rows import add_subscriber


def _component_notifications() -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.kind == NotificationKind.COMPONENT_UPDATED)
    return list(db.session.scalars(query))


def test_a_status_change_is_announced_once_and_a_non_change_not_at_all(
    sending, receiver, catalogue
):
    """Does setting the Website to "partial outage" send webhooks its old and new status,
    and setting it again to the same send nothing more?"""
    website = components.get_component(catalogue.website_id)
    components.set_status(website, "partial_outage")
    components.set_status(components.get_component(catalogue.website_id), "partial_outage")
    [notification] = _component_notifications()
    assert notification.component_ids == [catalogue.website_id]

    hook = add_subscriber(receiver.url())
    row = Delivery(notification_id=notification.id, subscriber_id=hook.id)
    db.session.add(row)
    db.session.commit()
    assert webhooks.deliver(db.session.get(Delivery, row.id)).result == Result.SENT
    [request] = receiver.requests
    document = json.loads(request.body)
    assert document["component_update"]["old_status"] == "operational"
    assert document["component_update"]["new_status"] == "partial_outage"
    assert document["component"]["name"] == "Website"
    assert document["page"]["status_indicator"] == "major"
