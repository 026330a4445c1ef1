"""Admin views: the rules mapping monitoring alerts to components. Admins only."""

from __future__ import annotations

from flask import render_template, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.alert_rule_forms import AlertRuleForm, QuietPeriodForm
from app.admin.forms import saved, submit
from app.admin.user_forms import ActionForm
from app.services import alert_quiet, alert_rules
from app.services.components import list_components


def _rules_page(
    form: AlertRuleForm | None = None, *, error=None, quiet: QuietPeriodForm | None = None
):
    components = list_components()
    minutes = alert_quiet.quiet_minutes()
    return render_template(
        "admin/alert_rules.html",
        rules=alert_rules.list_rules(),
        names={c.id: c.name for c in components},
        form=(form or AlertRuleForm(formdata=None)).offer(components),
        quiet=quiet or QuietPeriodForm(formdata=None, quiet_minutes=minutes or ""),
        error=error,
    )


@bp.route("/alert-rules", endpoint="alert_rules")
@admin_only
def alert_rule_list():
    return _rules_page()


@bp.route("/alert-rules/new", methods=["POST"])
@admin_only
def alert_rule_create():
    form = AlertRuleForm().offer(list_components())

    def save():
        rule = alert_rules.create_rule(
            label=form.label.data,
            value=form.value.data,
            component_id=form.component_id.data,
            status=form.status.data or None,
            actor=current_actor(),
        )
        return saved(
            f"Alerts whose “{rule.label}” is “{rule.value}” now map to their component.",
            url_for("admin.alert_rules"),
        )

    return submit(form, save, lambda: _rules_page(form))


@bp.route("/alert-rules/<int:rule_id>/delete", methods=["POST"])
@admin_only
def alert_rule_delete(rule_id: int):
    form = ActionForm()

    def save():
        alert_rules.delete_rule(rule_id, actor=current_actor())
        return saved("Deleted the rule.", url_for("admin.alert_rules"))

    return submit(form, save, lambda: _rules_page(error=" ".join(form.messages)))


@bp.route("/alert-rules/quiet", methods=["POST"])
@admin_only
def alert_rule_quiet():
    form = QuietPeriodForm()

    def save():
        minutes = alert_quiet.set_quiet_minutes(form.quiet_minutes.data, actor=current_actor())
        said = (
            f"Alert incidents now resolve after {minutes} quiet minutes."
            if minutes
            else "Alert incidents now wait for a person to resolve them."
        )
        return saved(said, url_for("admin.alert_rules"))

    return submit(form, save, lambda: _rules_page(quiet=form))
