"""The incident template form, and filling the incident forms from a template.

Filling is a form's business, not a service's: it writes nothing. It sets the
choices (status, impact, component statuses, notify) and puts the template's text
only into the text boxes the manager left empty, unless they asked to replace what
they typed; `Filled.kept` names the boxes it left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from wtforms import BooleanField

from app.admin.fields import ComponentStatusesField, OffersComponents
from app.admin.forms import AdminForm, choice_field, choices, enum_choices, text_field
from app.admin.incident_forms import IMPACT_CHOICES, INCIDENT_STATUS_CHOICES
from app.admin.parsers import component_statuses
from app.models import IncidentStatus, IncidentTemplate, TemplateKind
from app.services.errors import Invalid, NotFound
from app.services.incident_templates import MAX_NAME, get_template
from app.services.incidents import MAX_MESSAGE, MAX_TITLE

# The button that fills a form (its value is the template's id), and the one that
# also replaces the text the manager typed.
FILL = "template"
REPLACE = "template_replace"


class TemplateForm(OffersComponents, AdminForm):
    service_fields = {"message": "body", "status": "update_status"}

    name = text_field(
        "Name",
        MAX_NAME,
        required="Name the template, e.g. “Database outage”.",
        description="Managers pick the template by this name; visitors never see it.",
    )
    kind = choice_field("Fills", enum_choices(TemplateKind), TemplateKind.INCIDENT)
    title = text_field(
        "Incident title",
        MAX_TITLE,
        required=False,
        description="Required for a new incident’s template; an update keeps its incident’s title.",
    )
    update_status = choice_field("Status", INCIDENT_STATUS_CHOICES, IncidentStatus.INVESTIGATING)
    impact = choice_field("Impact", choices([("", "Leave as it is")]) + IMPACT_CHOICES, "")
    body = text_field("Message", MAX_MESSAGE, area=True)
    components = ComponentStatusesField()
    notify = BooleanField("Notify subscribers", default=True)

    def load(self, template: IncidentTemplate) -> TemplateForm:
        """Show `template`'s values (for the edit page before it is submitted)."""
        if not self.is_submitted():
            self.components.data = template.statuses
        return self

    def values(self) -> dict:
        """The fields as `incident_templates.create_template` takes them."""
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "title": self.title.data,
            "body": self.body.data,
            "impact": self.impact.data or None,
            "update_status": self.update_status.data,
            "notify": self.notify.data,
            "components": self.components.data,
        }


@dataclass
class Filled:
    """What filling did: from which template, and which typed text it kept."""

    template: IncidentTemplate
    kept: list[str] = field(default_factory=list)


def requested() -> tuple[str, bool] | None:
    """The template asked for: by a button of the form (POST) or a link (GET `?template=`),
    and whether the manager asked to replace the text they typed."""
    if request.method == "POST":
        if REPLACE in request.form:
            return request.form[REPLACE], True
        return (request.form[FILL], False) if FILL in request.form else None
    return (request.args[FILL], False) if FILL in request.args else None


def template_for(raw: str, kind: TemplateKind) -> IncidentTemplate:
    """The template `raw` names, for a form of `kind`; Invalid (for the manager) otherwise."""
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise Invalid("Choose a template from the list.", FILL)
    try:
        template = get_template(int(raw))
    except NotFound:
        raise Invalid("That template no longer exists; choose another.", FILL) from None
    if template.kind != kind:
        wanted = "a new incident" if kind == TemplateKind.INCIDENT else "an update"
        raise Invalid(f"“{template.name}” is not a template for {wanted}; choose another.", FILL)
    return template


def fill(form: AdminForm, template: IncidentTemplate, *, replace: bool) -> Filled:
    """Put `template` into an incident form (new incident or update): see the module."""
    filled = Filled(template)
    if hasattr(form, "title"):
        _text(form.title, template.title, replace, filled)
    _text(form.message, template.body, replace, filled)
    form.status.data = template.update_status.value
    if template.impact is not None:
        form.impact.data = template.impact.value
    form.notify.data = template.notify
    _components(form.components, template)
    return filled


def _text(box, text: str | None, replace: bool, filled: Filled) -> None:
    typed = (box.data or "").strip()
    if not text or typed == text.strip():
        return
    if typed and not replace:
        filled.kept.append(box.label.text.lower())
        return
    box.data = text


def _components(box: ComponentStatusesField, template: IncidentTemplate) -> None:
    try:
        chosen = component_statuses(box.sent, box.known)
    except Invalid:
        chosen = {}  # the form checks them again when it is posted
    box.data = chosen | {k: v for k, v in template.statuses.items() if k in box.known}
