"""Subscribers, what they follow, and the outbox: notifications and their delivery ledger.

A change a subscriber should hear about writes one `Notification` row in the
same transaction as the change (the transactional outbox). The worker fans it
out into one `Delivery` row per recipient — unique per (notification,
subscriber), so a retried fan-out or job never sends a second copy — and then
claims, sends and marks those rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, enum_column, utcnow


class SubscriberKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    SLACK = "slack"
    DISCORD = "discord"

    @property
    def label(self) -> str:
        return {"email": "Email", "webhook": "Webhook", "slack": "Slack", "discord": "Discord"}[
            self.value
        ]


class SubscriberState(StrEnum):
    PENDING = "pending"  # waiting for the double opt-in; gets no other mail
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    QUARANTINED = "quarantined"  # hard bounces or a dead endpoint; nothing is sent

    @property
    def label(self) -> str:
        return self.value.capitalize()


class NotificationKind(StrEnum):
    CONFIRM = "subscriber.confirm"  # the double opt-in mail to one new subscriber
    ALREADY_SUBSCRIBED = "subscriber.known"  # a subscribe for a confirmed address: manage link
    INCIDENT_OPENED = "incident.opened"
    INCIDENT_UPDATED = "incident.updated"
    POSTMORTEM_PUBLISHED = "incident.postmortem"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled"
    MAINTENANCE_REMINDER = "maintenance.reminder"
    MAINTENANCE_STARTED = "maintenance.started"
    MAINTENANCE_UPDATED = "maintenance.updated"
    MAINTENANCE_COMPLETED = "maintenance.completed"
    COMPONENT_UPDATED = "component.updated"  # webhooks and chat only (Statuspage's shape)
    # For the team's own channels only (Subscriber.team), never for subscribers.
    TEAM_ALERT_INCIDENT = "team.alert_incident"
    TEAM_UPSTREAM_REPORT = "team.upstream_report"
    TEAM_DEAD_LETTER = "team.dead_letter"
    TEAM_AUTO_RESOLVED = "team.auto_resolved"

    @property
    def is_direct(self) -> bool:
        """Sent to the one subscriber named on the notification, whatever their state."""
        return self in (NotificationKind.CONFIRM, NotificationKind.ALREADY_SUBSCRIBED)

    @property
    def is_team(self) -> bool:
        """For the team's channels: what the admins should hear of, not the public."""
        return self.value.startswith("team.")


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (a retry is pending again, attempts > 0)
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    DEAD = "dead"  # out of retries, or refused for good: shown in the admin's dead letters
    SKIPPED = "skipped"  # the subscriber left, paused or was quarantined before it went out

    @property
    def label(self) -> str:
        return {"dead": "Failed"}.get(self.value, self.value.capitalize())


class Subscriber(db.Model):
    """An email address, or a webhook / Slack / Discord URL, that wants updates."""

    __tablename__ = "subscriber"
    __table_args__ = (
        UniqueConstraint("kind", "address", name="uq_subscriber_kind_address"),
        Index("ix_subscriber_state_id", "state", "id"),
        Index("ix_subscriber_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SubscriberKind] = mapped_column(enum_column(SubscriberKind, 16))
    # Emails lower-cased; URLs as given (they may hold a secret path, never logged).
    address: Mapped[str] = mapped_column(String(2048))
    state: Mapped[SubscriberState] = mapped_column(
        enum_column(SubscriberState, 16), default=SubscriberState.PENDING
    )
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The team's own chat or webhook channel (set by an admin): it receives the team's
    # notices (NotificationKind.is_team) and nothing meant for subscribers.
    team: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # True: every component and incident. False: only what `targets` names.
    all_components: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Consent evidence (GDPR art. 7(1)): when, from where, and which wording was agreed to.
    source: Mapped[str] = mapped_column(String(16), default="form")  # form, import, admin, api
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_ip: Mapped[str | None] = mapped_column(String(45))
    consent_user_agent: Mapped[str | None] = mapped_column(String(512))
    consent_text_version: Mapped[str | None] = mapped_column(String(32))
    confirm_ip: Mapped[str | None] = mapped_column(String(45))
    confirm_user_agent: Mapped[str | None] = mapped_column(String(512))

    # Rotated when a confirm link is used (links work once) and on unsubscribe.
    token_nonce: Mapped[str] = mapped_column(String(16))
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_confirmation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Webhooks sign every POST with this (HMAC-SHA256); shown to the owner once.
    signing_secret: Mapped[str | None] = mapped_column(String(64))

    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    targets: Mapped[list[SubscriptionTarget]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="SubscriptionTarget.id"
    )

    @property
    def receives_mail(self) -> bool:
        return self.state == SubscriberState.CONFIRMED and not self.paused


class SubscriptionTarget(db.Model):
    """One thing a subscriber follows: a component, a whole group, or one incident."""

    __tablename__ = "subscription_target"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN component_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN incident_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_target",
        ),
        Index("ix_subscription_target_subscriber", "subscriber_id"),
        Index("ix_subscription_target_component", "component_id"),
        Index("ix_subscription_target_group", "group_id"),
        Index("ix_subscription_target_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("component_group.id", ondelete="CASCADE")
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))

    subscriber: Mapped[Subscriber] = relationship(back_populates="targets")


class Notification(db.Model):
    """The outbox: one row per event subscribers should hear of, written with the event."""

    __tablename__ = "notification"
    __table_args__ = (
        # The worker looks for rows not yet fanned out; few are, so a partial index.
        Index(
            "ix_notification_pending_fanout",
            "id",
            sqlite_where=text("fanned_out_at IS NULL"),
            postgresql_where=text("fanned_out_at IS NULL"),
        ),
        Index("ix_notification_incident", "incident_id"),
        # A maintenance is reminded of once, however many ticks or workers run.
        Index(
            "uq_notification_reminder",
            "incident_id",
            unique=True,
            sqlite_where=text("kind = 'maintenance.reminder'"),
            postgresql_where=text("kind = 'maintenance.reminder'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_update.id", ondelete="SET NULL")
    )
    # For direct notifications (confirmation mails): the one recipient.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE")
    )
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    # The components concerned when it was written: who receives it, and what webhooks say.
    component_ids: Mapped[list | None] = mapped_column(JSON)
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Fan-out streams recipients in id order; the cursor makes a crashed fan-out resume.
    fanout_cursor: Mapped[int] = mapped_column(Integer, default=0)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(db.Model):
    """One notification to one subscriber: the ledger that makes sending exactly-once."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "subscriber_id", name="uq_delivery_once"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
        Index("ix_delivery_subscriber", "subscriber_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState, 16), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Deterministic per (notification, subscriber), so a resend carries the same id.
    message_id: Mapped[str | None] = mapped_column(String(255))

    notification: Mapped[Notification] = relationship()
    subscriber: Mapped[Subscriber] = relationship()
