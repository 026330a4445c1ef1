"""Alert rules: which label value maps an alert to which component (and status).

Managed in the admin; `alerts.receive` reads them first, before the default mapping
by a `component`/`service` label and the `severity` label.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AlertRule, Component, ComponentStatus
from app.services import audit, validate
from app.services.errors import NotFound
from app.services.tx import locked, transactional

MAX_LABEL = 100
MAX_VALUE = 200
RULE_STATUSES = (
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
)
RULE_GONE = "This rule no longer exists; it was deleted meanwhile."


def list_rules() -> list[AlertRule]:
    return list(db.session.scalars(select(AlertRule).order_by(AlertRule.id)))


@transactional
def create_rule(*, label: str, value: str, component_id, status: str | None, actor) -> AlertRule:
    """Add a rule; it applies after the rules made before it."""
    label = validate.text(label, "label", max_len=MAX_LABEL)
    value = validate.text(value, "value", max_len=MAX_VALUE)
    # A form sends a string: anything but a plausible id is no component (and no 500).
    if not (str(component_id).isdecimal() and len(str(component_id)) <= 9):
        raise NotFound("No such component.")
    component = locked(Component, int(component_id), missing="No such component.")
    chosen = validate.choice(RULE_STATUSES, status, "status") if status else None
    rule = AlertRule(label=label, value=value, component_id=component.id, status=chosen)
    db.session.add(rule)
    db.session.flush()
    audit.record(
        actor,
        "alert.rule_create",
        "alert_rule",
        rule.id,
        label=label,
        value=value,
        component=component.name,
        status=chosen,
    )
    return rule


@transactional
def delete_rule(rule_id: int, *, actor) -> None:
    rule = locked(AlertRule, rule_id, missing=RULE_GONE)
    audit.record(
        actor, "alert.rule_delete", "alert_rule", rule.id, label=rule.label, value=rule.value
    )
    db.session.delete(rule)
