"""The fixed vocabularies, spelled as the Statuspage API spells them."""

from enum import StrEnum


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"

    @property
    def label(self) -> str:
        return {
            "operational": "Operational",
            "degraded_performance": "Degraded Performance",
            "partial_outage": "Partial Outage",
            "major_outage": "Major Outage",
            "under_maintenance": "Under Maintenance",
        }[self.value]

    @property
    def severity(self) -> int:
        """Higher is worse; maintenance ranks between operational and degraded."""
        return {
            "operational": 0,
            "under_maintenance": 1,
            "degraded_performance": 2,
            "partial_outage": 3,
            "major_outage": 4,
        }[self.value]


class Impact(StrEnum):
    """How bad an incident is for visitors, and the page indicator, in Statuspage's words.

    Statuspage gives scheduled maintenance the impact `maintenance`, and shows it
    as the page indicator while maintenance runs and nothing is wrong; an
    incident's impact is one of INCIDENT_IMPACTS.
    """

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    @property
    def rank(self) -> int:
        """Higher is worse; maintenance ranks with none (nothing is wrong)."""
        return {"none": 0, "maintenance": 0, "minor": 1, "major": 2, "critical": 3}[self.value]

    @property
    def label(self) -> str:
        return self.value.capitalize()


class IncidentKind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class TemplateKind(StrEnum):
    """Which admin form an incident template fills: opening an incident, or an update."""

    INCIDENT = "incident"
    UPDATE = "update"

    @property
    def label(self) -> str:
        return {"incident": "New incident", "update": "Update"}[self.value]


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    # Scheduled maintenance uses the same table with its own statuses.
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_closed(self) -> bool:
        return self in (IncidentStatus.RESOLVED, IncidentStatus.COMPLETED)


INCIDENT_IMPACTS = (Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)
INCIDENT_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
)
MAINTENANCE_STATUSES = (
    IncidentStatus.SCHEDULED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.VERIFYING,
    IncidentStatus.COMPLETED,
)


class Cadence(StrEnum):
    """How often a recurring maintenance window comes back."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {"weekly": "Every week", "monthly": "Every month"}[self.value]


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class InternalImpact(StrEnum):
    """ITIL's impact of an incident: how much of the business it hurts. Internal: never
    shown on the public side, where `Impact` speaks to visitors."""

    EXTENSIVE = "extensive"
    SIGNIFICANT = "significant"
    MODERATE = "moderate"
    MINOR = "minor"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Urgency(StrEnum):
    """ITIL's urgency: how soon the business needs the incident resolved. Internal."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Priority(StrEnum):
    """The priority the matrix derives from impact and urgency; P1 is the most pressing."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"
    P5 = "p5"

    @property
    def label(self) -> str:
        return self.value.upper()

    @property
    def rank(self) -> int:
        return int(self.value[1:])
