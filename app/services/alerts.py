"""Alerts from monitoring (Prometheus Alertmanager, Grafana) driving incidents.

An alert maps to a component by the first admin rule (AlertRule: a label equal to a
value, in any case) it matches, else by its `component` or `service` label (the
component's name, in any case); its status is the rule's, else its `severity` label's.
A firing alert opens an incident in `investigating`, or joins the open incident an
earlier alert opened for the same component; a resolved alert returns its component
to operational and, when it was the incident's last firing alert, moves the incident
to `monitoring` (a person resolves it, or the worker after a quiet period: see
services/alert_quiet.py). Every change goes through the incident
services, so lifecycle rules, locking, notifications and the audit log are the admin's.

Each alert is kept by its sender's fingerprint (AlertLink): a delivery repeated by the
sender finds its alert already in the state it reports and changes nothing. An alert
that maps to no component is accepted and written to the audit log: refusing it would
only make the sender retry it forever.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    AlertLink,
    AlertRule,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
)
from app.models.types import utcnow
from app.services import audit, incident_queries, incidents, team_channels
from app.services.alert_rules import list_rules
from app.services.components import list_components
from app.services.tx import locked_all, transactional
from app.text import clean_block

SOURCES = {"alertmanager": "Alertmanager", "grafana": "Grafana"}
COMPONENT_LABELS = ("component", "service")
SEVERITY_STATUS = {
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "warning": ComponentStatus.PARTIAL_OUTAGE,
}
STATUS_IMPACT = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}
# Worse is higher: a warning firing beside a critical alert does not soften the status.
STATUS_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 0,
    ComponentStatus.DEGRADED_PERFORMANCE: 1,
    ComponentStatus.PARTIAL_OUTAGE: 2,
    ComponentStatus.MAJOR_OUTAGE: 3,
}
OPEN_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)
MAX_FINGERPRINT = 128
MAX_ALERT_AGE = timedelta(days=7)
OUTCOMES = ("opened", "joined", "resolved", "unchanged", "unmapped")
# PostgreSQL advisory lock key of alert deliveries (any constant no other code uses).
DELIVERY_LOCK = 0x4865_7261_6C64_0A1E


@dataclass(frozen=True)
class Alert:
    """One alert of a delivery, as both Alertmanager and Grafana describe it."""

    firing: bool
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    fingerprint: str | None = None
    starts_at: datetime | None = None  # when the sender saw it begin (UTC)

    @property
    def key(self) -> str:
        """The sender's fingerprint, or (when it sent none) one made from the labels,
        as Alertmanager makes its own: the same labels are the same alert."""
        if self.fingerprint:
            return self.fingerprint[:MAX_FINGERPRINT]
        digest = hashlib.sha256()
        for name in sorted(self.labels):
            digest.update(f"{name}\0{self.labels[name]}\0".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:16]

    @property
    def name(self) -> str:
        return _line(self.labels.get("alertname") or "Alert", 120)


def _started(alert: Alert, now: datetime) -> datetime:
    """When an incident an alert opens began: the alert's own start, so the time to
    restore counts from the fault and not from the delivery, unless that start is in the
    future or implausibly old (a clock gone wrong), when the delivery's time is used."""
    if alert.starts_at is None or not now - MAX_ALERT_AGE <= alert.starts_at <= now:
        return now
    return alert.starts_at


def _line(text: str, max_len: int) -> str:
    return " ".join(clean_block(text).split())[:max_len]


def status_for(labels: dict[str, str]) -> ComponentStatus:
    severity = labels.get("severity", "").strip().lower()
    return SEVERITY_STATUS.get(severity, ComponentStatus.DEGRADED_PERFORMANCE)


def component_for(labels: dict[str, str], by_name: dict[str, Component]) -> Component | None:
    for label in COMPONENT_LABELS:
        found = by_name.get(labels.get(label, "").strip().lower())
        if found is not None:
            return found
    return None


def mapping_for(
    labels: dict[str, str], rules: list[AlertRule], by_id: dict[int, Component]
) -> tuple[Component, ComponentStatus] | None:
    """The component and status an alert sets: the first matching rule's, else the
    default mapping by name and severity; None when nothing maps."""
    for rule in rules:
        if labels.get(rule.label, "").strip().lower() == rule.value.lower():
            component = by_id.get(rule.component_id)
            if component is not None:
                return component, rule.status or status_for(labels)
    by_name = {c.name.lower(): c for c in by_id.values()}
    component = component_for(labels, by_name)
    return None if component is None else (component, status_for(labels))


@transactional
def receive(source: str, alerts: list[Alert], *, actor) -> dict[str, int]:
    """Act on one delivery; returns how many alerts it held and had each outcome."""
    _one_delivery_at_a_time()
    keys = [alert.key for alert in alerts]
    found = locked_all(AlertLink, AlertLink.source == source, AlertLink.fingerprint.in_(keys))
    links = {link.fingerprint: link for link in found}
    by_id = {c.id: c for c in list_components()}
    rules = list_rules()
    outcomes: Counter[str] = Counter()
    for alert in alerts:
        link = links.get(alert.key)
        # A resolution goes where the firing went, whatever the rules say now.
        if not alert.firing and link is not None:
            outcomes[_resolve(alert, link, actor)] += 1
            continue
        mapped = mapping_for(alert.labels, rules, by_id)
        if mapped is None:
            outcomes["unmapped"] += 1
            _note_unmapped(source, alert, actor)
        elif alert.firing:
            outcome, links[alert.key] = _fire(source, alert, link, *mapped, actor)
            outcomes[outcome] += 1
        else:
            outcomes["unchanged"] += 1  # resolved, but never seen firing
    counts = {"received": len(alerts)} | {name: outcomes[name] for name in OUTCOMES}
    audit.record(actor, "alert.delivery", "integration", source, **counts)
    return counts


def _one_delivery_at_a_time() -> None:
    """Two deliveries naming one component at once must not each open an incident, and
    the incident to join is found by a query, not a row one could lock: so deliveries
    queue on a transaction-scoped advisory lock. It is taken before any row lock and no
    other writer takes it, so it adds no lock-order cycle; a wait past lock_timeout is
    retried by @transactional like any other. SQLite's BEGIN IMMEDIATE already lets
    one writer through at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DELIVERY_LOCK})


def _note_unmapped(source: str, alert: Alert, actor) -> None:
    audit.record(
        actor,
        "alert.unmapped",
        "integration",
        source,
        alertname=alert.name,
        fingerprint=_line(alert.key, MAX_FINGERPRINT),
        labels={_line(k, 60): _line(v, 120) for k, v in list(alert.labels.items())[:20]},
    )


def _is_open(incident: Incident | None) -> bool:
    return incident is not None and incident.status in OPEN_STATUSES


def _open_incident_of(component: Component) -> Incident | None:
    """The open incident alerts opened for `component` (the latest, should there be two)."""
    return db.session.scalar(
        select(Incident)
        .join(AlertLink, AlertLink.incident_id == Incident.id)
        .where(AlertLink.component_id == component.id, Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def _message(source: str, alert: Alert, component: Component) -> str:
    parts = [alert.annotations.get(k, "") for k in ("summary", "description", "message")]
    text = "\n\n".join(clean_block(p).strip() for p in parts if p and p.strip())
    said = text[: incidents.MAX_MESSAGE - 200] if text else ""
    heading = f"{SOURCES[source]} reports {alert.name} firing on {component.name}."
    return f"{heading}\n\n{said}" if said else heading


def _fire(
    source: str,
    alert: Alert,
    link: AlertLink | None,
    component: Component,
    wanted: ComponentStatus,
    actor,
) -> tuple[str, AlertLink]:
    # Still firing as last reported: a repeat (Alertmanager resends at repeat_interval),
    # even when a person has resolved the incident meanwhile.
    if link is not None and link.firing:
        return "unchanged", link
    linked = db.session.get(Incident, link.incident_id) if link is not None else None
    incident = linked if _is_open(linked) else _open_incident_of(component)
    if incident is None:
        incident = incidents.open_incident(
            name=_line(f"{alert.name}: {component.name}", incidents.MAX_TITLE),
            impact=STATUS_IMPACT[wanted],
            message=_message(source, alert, component),
            components={component.id: wanted},
            status=IncidentStatus.INVESTIGATING,
            actor=actor,
            started_at=_started(alert, utcnow()),
        )
        team_channels.alert_incident_opened(incident, SOURCES[source])
        outcome = "opened"
    else:
        _join(source, alert, incident, component, wanted, actor)
        outcome = "joined"
    if link is None:
        link = AlertLink(source=source, fingerprint=alert.key)
        db.session.add(link)
    link.alertname = alert.name
    link.incident_id = incident.id
    link.component_id = component.id
    link.firing = True
    link.updated_at = utcnow()
    db.session.flush()
    return outcome, link


def _join(source, alert, incident, component, wanted, actor) -> None:
    """Post an update only when the alert changes something a visitor sees."""
    worse = STATUS_RANK[wanted] > STATUS_RANK[component.status]
    # Monitoring may step back to identified; nothing steps back to investigating.
    status = (
        IncidentStatus.IDENTIFIED
        if incident.status == IncidentStatus.MONITORING
        else incident.status
    )
    if not worse and status == incident.status:
        return
    impact = STATUS_IMPACT[wanted]
    incidents.post_update(
        incident,
        status=status,
        message=_message(source, alert, component),
        components={component.id: wanted} if worse else {},
        impact=impact if impact.rank > incident.impact.rank else None,
        actor=actor,
    )


def _still_firing(incident_id: int, *, component_id: int | None = None) -> int:
    query = select(func.count(AlertLink.id)).where(
        AlertLink.incident_id == incident_id, AlertLink.firing.is_(True)
    )
    if component_id is not None:
        query = query.where(AlertLink.component_id == component_id)
    return db.session.scalar(query) or 0


def _resolve(alert: Alert, link: AlertLink, actor) -> str:
    if not link.firing:
        return "unchanged"
    link.firing = False
    link.updated_at = utcnow()
    db.session.flush()
    incident = db.session.get(Incident, link.incident_id)
    if not _is_open(incident):
        return "resolved"  # a person closed it already; leave it as they left it
    component = db.session.get(Component, link.component_id) if link.component_id else None
    restore = (
        component is not None
        and component.status != ComponentStatus.OPERATIONAL
        and not _still_firing(incident.id, component_id=component.id)
        and not incident_queries.held_down_elsewhere(incident.id, [component.id])
    )
    last = not _still_firing(incident.id)
    if not restore and (not last or incident.status == IncidentStatus.MONITORING):
        return "resolved"
    status = IncidentStatus.MONITORING if last else incident.status
    if status == IncidentStatus.MONITORING:
        message = f"{alert.name} has resolved; we are monitoring the recovery."
    else:
        message = f"{alert.name} has resolved on {component.name}."
    incidents.post_update(
        incident,
        status=status,
        message=message,
        components={component.id: ComponentStatus.OPERATIONAL} if restore else {},
        actor=actor,
    )
    return "resolved"
