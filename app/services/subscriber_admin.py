"""What the admin pages do with subscribers: find, export, remove, inspect, reinstate.

Failed deliveries and their retry are in app/services/dead_letters.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Component,
    ComponentGroup,
    Delivery,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    SubscriptionTarget,
    SuppressionReason,
)
from app.services import audit, csv_export, subscriber_address, suppressions, validate
from app.services.errors import Invalid, NotFound
from app.services.paging import Page, paged
from app.services.tx import locked, transactional

PER_PAGE = 50
EXPORT_BATCH = 500
EXPORT_COLUMNS = [
    "id",
    "kind",
    "address",
    "state",
    "paused",
    "components",
    "groups",
    "incidents",
    "source",
    "created_at",
    "consent_at",
    "consent_ip",
    "consent_text_version",
    "confirmed_at",
    "unsubscribed_at",
]


@dataclass(frozen=True)
class ConsentRecord:
    """What a subscriber agreed to, when and from where, for a data-protection request."""

    source: str
    asked_at: datetime | None
    asked_ip: str | None
    asked_user_agent: str | None
    consent_text_version: str | None
    confirmed_at: datetime | None
    confirm_ip: str | None
    confirm_user_agent: str | None
    unsubscribed_at: datetime | None


def _filters(query: str | None, kind, state) -> list:
    conditions = [Subscriber.team.is_(False)]  # the team's channels are a setting
    text = validate.text(query, "search", max_len=254, required=False)
    if text:
        conditions.append(func.lower(Subscriber.address).contains(text.lower(), autoescape=True))
    if kind:
        conditions.append(Subscriber.kind == subscriber_address.parse_kind(kind))
    if state:
        try:
            conditions.append(Subscriber.state == SubscriberState(state))
        except ValueError as exc:
            raise Invalid("Unknown subscriber state.", "state") from exc
    return conditions


def search(
    query: str | None = None,
    kind: SubscriberKind | str | None = None,
    state: SubscriberState | str | None = None,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """Subscribers whose address contains `query`, of that kind and state; newest first."""
    conditions = _filters(query, kind, state)
    return paged(
        select(Subscriber).where(*conditions).order_by(Subscriber.id.desc()),
        select(func.count(Subscriber.id)).where(*conditions),
        page,
        per_page,
    )


def get_subscriber(subscriber_id: int) -> Subscriber:
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("No such subscriber.")
    return subscriber


def export_csv(query: str | None = None, kind=None, state=None) -> Iterator[str]:
    """The subscribers as CSV, header first, read in batches so memory stays flat.

    Filters are checked before the first line is produced, so a bad filter is
    a clear error rather than a broken download.
    """
    conditions = _filters(query, kind, state)
    codes = dict(db.session.execute(select(Component.id, Component.code)).all())
    groups = dict(db.session.execute(select(ComponentGroup.id, ComponentGroup.code)).all())
    return _export_lines(conditions, codes, groups)


@transactional
def record_export(query: str | None = None, kind=None, state=None, *, actor=None) -> None:
    """Note in the audit log who took the list out of Herald, and which part of it.

    The search text is not written down: it may be part of somebody's address.
    """
    audit.record(
        actor,
        "subscriber.export",
        "subscriber",
        None,
        kind=kind or "all",
        state=state or "all",
        searched=bool(query),
    )


# Read as plain rows, not ORM objects: an export of 50,000 subscribers must not build (and
# then discard) 50,000 tracked instances with their targets.
_EXPORTED = (
    Subscriber.id,
    Subscriber.kind,
    Subscriber.address,
    Subscriber.state,
    Subscriber.paused,
    Subscriber.all_components,
    Subscriber.source,
    Subscriber.created_at,
    Subscriber.consent_at,
    Subscriber.consent_ip,
    Subscriber.consent_text_version,
    Subscriber.confirmed_at,
    Subscriber.unsubscribed_at,
)


def _export_lines(conditions, codes: dict, groups: dict) -> Iterator[str]:
    return csv_export.lines(EXPORT_COLUMNS, _export_batches(conditions, codes, groups))


def _export_batches(conditions, codes: dict, groups: dict) -> Iterator[list[list]]:
    after = 0
    while True:
        batch = db.session.execute(
            select(*_EXPORTED)
            .where(Subscriber.id > after, *conditions)
            .order_by(Subscriber.id)
            .limit(EXPORT_BATCH)
        ).all()
        if not batch:
            return
        targets = _targets_of([row.id for row in batch])
        yield [_export_row(row, targets[row.id], codes, groups) for row in batch]
        after = batch[-1].id


def _targets_of(ids: list[int]) -> dict[int, list]:
    """{subscriber id: its (component, group, incident) targets} for one batch, one query."""
    found: dict[int, list] = {i: [] for i in ids}
    rows = db.session.execute(
        select(
            SubscriptionTarget.subscriber_id,
            SubscriptionTarget.component_id,
            SubscriptionTarget.group_id,
            SubscriptionTarget.incident_id,
        )
        .where(SubscriptionTarget.subscriber_id.in_(ids))
        .order_by(SubscriptionTarget.id)
    )
    for subscriber_id, *target in rows:
        found[subscriber_id].append(target)
    return found


def _export_row(s, targets: list, codes: dict, groups: dict) -> list:
    components = (
        "all"
        if s.all_components
        else ";".join(codes.get(c, "") for c, _, _ in targets if c is not None)
    )
    return [
        s.id,
        s.kind.value,
        s.address,
        s.state.value,
        "yes" if s.paused else "no",
        components,
        ";".join(groups.get(g, "") for _, g, _ in targets if g is not None),
        ";".join(str(i) for _, _, i in targets if i is not None),
        s.source,
        s.created_at,
        s.consent_at,
        s.consent_ip,
        s.consent_text_version,
        s.confirmed_at,
        s.unsubscribed_at,
    ]


@transactional
def remove(
    subscriber: Subscriber,
    reason: SuppressionReason | str = SuppressionReason.REMOVED,
    *,
    now: datetime,
    actor=None,
) -> None:
    """Delete a subscriber with its choices and delivery history (erasure on request), and
    suppress its address so nobody can sign it up again until an admin lifts that.

    The audit entry keeps no address, only the kind and how many deliveries
    went with it, so the log itself holds no personal data to erase.
    """
    reason = suppressions.parse_reason(reason)
    subscriber = locked(Subscriber, subscriber, missing="No such subscriber.")
    suppressions.suppress(subscriber, reason, now)
    erased = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.subscriber_id == subscriber.id)
    )
    audit.record(
        actor,
        "subscriber.remove",
        "subscriber",
        subscriber.id,
        kind=subscriber.kind.value,
        source=subscriber.source,
        deliveries=erased or 0,
        suppressed=reason.value,
    )
    db.session.delete(subscriber)


def consent_record(subscriber: Subscriber) -> ConsentRecord:
    return ConsentRecord(
        source=subscriber.source,
        asked_at=subscriber.consent_at,
        asked_ip=subscriber.consent_ip,
        asked_user_agent=subscriber.consent_user_agent,
        consent_text_version=subscriber.consent_text_version,
        confirmed_at=subscriber.confirmed_at,
        confirm_ip=subscriber.confirm_ip,
        confirm_user_agent=subscriber.confirm_user_agent,
        unsubscribed_at=subscriber.unsubscribed_at,
    )


def deliveries_query(*conditions) -> Select:
    """Deliveries matching `conditions`, newest first, with their notification and subscriber."""
    return (
        select(Delivery)
        .where(*conditions)
        .order_by(Delivery.id.desc())
        .options(selectinload(Delivery.notification), selectinload(Delivery.subscriber))
    )


def delivery_history(subscriber: Subscriber, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """What was sent (or tried) to one subscriber, newest first."""
    condition = Delivery.subscriber_id == subscriber.id
    return paged(
        deliveries_query(condition),
        select(func.count(Delivery.id)).where(condition),
        page,
        per_page,
    )


@transactional
def reinstate(subscriber: Subscriber, *, now: datetime, actor=None) -> None:
    """Lift a quarantine (the address works again): confirmed, bounce count cleared."""
    subscriber = locked(Subscriber, subscriber, missing="No such subscriber.")
    if subscriber.state != SubscriberState.QUARANTINED:
        raise Invalid("Only a quarantined subscriber can be reinstated.", "state")
    subscriber.state = (
        SubscriberState.CONFIRMED if subscriber.confirmed_at else SubscriberState.PENDING
    )
    subscriber.bounce_count = 0
    subscriber.updated_at = now
    audit.record(actor, "subscriber.reinstate", "subscriber", subscriber.id)
