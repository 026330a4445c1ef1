"""The models, importable from one place (Alembic autogenerate needs them all loaded)."""

from app.models.alert import AlertLink, AlertRule
from app.models.api import ApiToken, IdempotentRequest
from app.models.audit import AuditEvent
from app.models.component import Component, ComponentGroup, ComponentStatusPeriod
from app.models.enums import (
    Cadence,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    InternalImpact,
    Priority,
    Role,
    TemplateKind,
    Urgency,
)
from app.models.incident import (
    AffectedComponent,
    ComponentChange,
    Incident,
    IncidentUpdate,
    UpdateRevision,
)
from app.models.mirror import MirrorChange
from app.models.ops import WorkerHeartbeat
from app.models.page import PageImage, PageSettings
from app.models.priority import PriorityRule
from app.models.series import MaintenanceOccurrence, MaintenanceSeries
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
from app.models.suppression import Suppression, SuppressionReason
from app.models.template import IncidentTemplate, TemplateComponent
from app.models.types import utcnow
from app.models.upstream import ReportState, UpstreamFollow, UpstreamReport, UpstreamSource
from app.models.user import RecoveryCode, User

__all__ = [
    "AffectedComponent",
    "AlertLink",
    "AlertRule",
    "ApiToken",
    "AuditEvent",
    "Cadence",
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
    "IncidentTemplate",
    "IncidentKind",
    "IncidentStatus",
    "IncidentUpdate",
    "InternalImpact",
    "MaintenanceOccurrence",
    "MirrorChange",
    "MaintenanceSeries",
    "Notification",
    "NotificationKind",
    "PageImage",
    "PageSettings",
    "RecoveryCode",
    "Priority",
    "PriorityRule",
    "ReportState",
    "Role",
    "Subscriber",
    "SubscriberKind",
    "SubscriberState",
    "SubscriptionTarget",
    "TemplateComponent",
    "TemplateKind",
    "Suppression",
    "SuppressionReason",
    "UpdateRevision",
    "Urgency",
    "UpstreamFollow",
    "UpstreamReport",
    "UpstreamSource",
    "User",
    "WorkerHeartbeat",
    "utcnow",
]
