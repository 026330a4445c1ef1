"""The models, importable from one place (Alembic autogenerate needs them all loaded)."""

from app.models.alert import AlertLink, AlertRule
from app.models.api import ApiToken, IdempotentRequest
from app.models.audit import AuditEvent
from app.models.component import Component, ComponentGroup, ComponentStatusPeriod
from app.models.enums import ComponentStatus, Impact, IncidentKind, IncidentStatus, Role
from app.models.incident import (
    AffectedComponent,
    ComponentChange,
    Incident,
    IncidentUpdate,
    UpdateRevision,
)
from app.models.ops import WorkerHeartbeat
from app.models.page import PageSettings
from app.models.subscriber import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    SubscriptionTarget,
)
from app.models.types import utcnow
from app.models.user import User

__all__ = [
    "AffectedComponent",
    "AlertLink",
    "AlertRule",
    "ApiToken",
    "AuditEvent",
    "Component",
    "ComponentChange",
    "ComponentGroup",
    "ComponentStatus",
    "ComponentStatusPeriod",
    "Delivery",
    "DeliveryState",
    "IdempotentRequest",
    "Impact",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentUpdate",
    "Notification",
    "NotificationKind",
    "PageSettings",
    "Role",
    "Subscriber",
    "SubscriberKind",
    "SubscriberState",
    "SubscriptionTarget",
    "UpdateRevision",
    "User",
    "WorkerHeartbeat",
    "utcnow",
]
