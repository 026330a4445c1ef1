"""The form that adds an alert rule (label = value → component and status)."""

from __future__ import annotations

from app.admin.forms import AdminForm, Checked, choice_field, choices, enum_choices, text_field
from app.services.alert_quiet import parse_minutes
from app.services.alert_rules import MAX_LABEL, MAX_VALUE, RULE_STATUSES

STATUS_CHOICES = choices([("", "As its severity label says")]) + enum_choices(RULE_STATUSES)


class AlertRuleForm(AdminForm):
    label = text_field(
        "Label",
        MAX_LABEL,
        required="Name the alert label to match, e.g. “job” or “team”.",
        description="An alert label's name, as Alertmanager or Grafana sends it.",
    )
    value = text_field(
        "Equals",
        MAX_VALUE,
        required="Say which value of the label the rule matches.",
        description="The label's value (any case), e.g. “payments-api”.",
    )
    component_id = choice_field("Component", [])
    status = choice_field("Status it sets", STATUS_CHOICES, "")

    def offer(self, components) -> AlertRuleForm:
        self.component_id.choices = choices((str(c.id), c.name) for c in components)
        return self


class QuietPeriodForm(AdminForm):
    quiet_minutes = text_field(
        "Quiet period (minutes)",
        10,
        required=False,
        also=(Checked(parse_minutes),),
        description="An incident alerts moved to monitoring resolves itself when no alert "
        "has fired for this long. Blank: a person resolves it.",
    )
