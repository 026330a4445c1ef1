"""The outbox: what subscribers should hear of, written in the same transaction as the change.

A service that changes something subscribers follow calls `queue(...)` before
its commit. Nothing leaves the process here: the worker fans the row out to
its recipients and sends. If the change rolls back, so does the notification;
if it commits, the notification exists and will be delivered, whatever happens
to the process afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Incident, IncidentUpdate, Notification, NotificationKind, Subscriber

_QUEUED = "herald.notification_queued"


def queue(
    kind: NotificationKind,
    *,
    incident: Incident | None = None,
    update: IncidentUpdate | None = None,
    subscriber: Subscriber | None = None,
    component_ids: Iterable[int] | None = None,
    component_id: int | None = None,
    details: dict | None = None,
) -> Notification:
    """Add a notification to the caller's transaction (no commit, no I/O)."""
    if component_ids is None and incident is not None:
        component_ids = [a.component_id for a in incident.affected if a.component_id is not None]
    notification = Notification(
        kind=kind,
        incident_id=incident.id if incident is not None else None,
        update_id=update.id if update is not None else None,
        subscriber_id=subscriber.id if subscriber is not None else None,
        component_id=component_id,
        component_ids=sorted(set(component_ids)) if component_ids is not None else None,
        details=details,
    )
    db.session.add(notification)
    db.session.info[_QUEUED] = True
    return notification


def announce(
    kind: NotificationKind,
    incident: Incident,
    update: IncidentUpdate | None = None,
    *,
    notify: bool = True,
    details: dict | None = None,
) -> Notification | None:
    """Queue what subscribers of `incident` should hear, unless the poster unticked
    "Notify subscribers" (a minor edit). Ids are assigned first, so the row can name them."""
    if not notify:
        return None
    db.session.flush()
    return queue(kind, incident=incident, update=update, details=details)


_listeners: list = []


def on_commit(callback) -> None:
    """Call `callback()` after every commit that queued a notification (the worker's wake-up)."""
    _listeners.append(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(_QUEUED, False):
        return
    for callback in list(_listeners):
        callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_QUEUED, None)


def queue_direct_many(kind: NotificationKind, subscriber_ids: Iterable[int]) -> int:
    """One direct notification to each of these subscribers, in one statement (an import's
    confirmation mails); added to the caller's transaction like `queue`. The count."""
    rows = [{"kind": kind, "subscriber_id": subscriber_id} for subscriber_id in subscriber_ids]
    if rows:
        db.session.execute(insert(Notification), rows)
        db.session.info[_QUEUED] = True
    return len(rows)
