"""Forms of the incident pages: open, update, edit, postmortem, record a past incident."""

from __future__ import annotations

from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Optional

from app.admin.fields import ComponentStatusesField, DateTimeInputField, OffersComponents
from app.admin.forms import (
    AdminForm,
    AtMost,
    choice_field,
    choices,
    enum_choices,
    strip,
    text_field,
)
from app.admin.parsers import optional_int, parse_local_datetime
from app.models import Impact, Incident, IncidentStatus, InternalImpact, Urgency, User
from app.models.enums import INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services.backfill import PastUpdate
from app.services.errors import Invalid
from app.services.incidents import MAX_MESSAGE, MAX_TITLE
from app.services.postmortems import MAX_POSTMORTEM
from app.templating import page_zone

IMPACT_CHOICES = enum_choices(INCIDENT_IMPACTS)
INCIDENT_STATUS_CHOICES = enum_choices(INCIDENT_STATUSES)
# The statuses a backfill form's rows start with, oldest first.
BACKFILL_DEFAULTS = [*INCIDENT_STATUSES, IncidentStatus.RESOLVED]
POSTMORTEM_ACTIONS = ("draft", "publish")
NOT_SET = choices([("", "Not set")])


class Classification:
    """ITIL's internal impact and urgency (the priority follows) and the owner: fields for
    the managers' eyes only. `offer_owners` fills the owner's choices."""

    internal_impact = choice_field("Internal impact", NOT_SET + enum_choices(InternalImpact), "")
    urgency = choice_field("Urgency", NOT_SET + enum_choices(Urgency), "")
    owner = choice_field("Owner", choices([("", "Nobody")]), "")

    def offer_owners(self, users: list[User]) -> None:
        self.owner.choices = choices([("", "Nobody"), *((str(u.id), u.email) for u in users)])

    def classification(self) -> dict:
        """The service's keyword arguments; an owner id that is no number is refused."""
        return {
            "internal_impact": self.internal_impact.data or None,
            "urgency": self.urgency.data or None,
            "owner_id": optional_int(self.owner.data, "owner"),
        }


def classification_data(incident: Incident) -> dict:
    """An incident's classification as the form's initial values."""
    return {
        "internal_impact": incident.internal_impact or "",
        "urgency": incident.urgency or "",
        "owner": str(incident.owner_id) if incident.owner_id else "",
    }


class IncidentForm(OffersComponents, Classification, AdminForm):
    title = text_field("Title", MAX_TITLE)
    impact = choice_field("Impact", IMPACT_CHOICES, Impact.MINOR)
    status = choice_field("Status", INCIDENT_STATUS_CHOICES[:3], IncidentStatus.INVESTIGATING)
    message = text_field("Message", MAX_MESSAGE, area=True)
    components = ComponentStatusesField()
    notify = BooleanField("Notify subscribers", default=True)


class EditIncidentForm(Classification, AdminForm):
    title = text_field("Title", MAX_TITLE)
    impact = choice_field("Impact", IMPACT_CHOICES)


class UpdateForm(OffersComponents, AdminForm):
    status = choice_field("Status", INCIDENT_STATUS_CHOICES)
    impact = choice_field("Impact", IMPACT_CHOICES)
    message = text_field("Message", MAX_MESSAGE, area=True)
    components = ComponentStatusesField()
    restore_components = BooleanField("Return affected components to operational", default=True)
    reopen = BooleanField("Reopen the incident", default=False)
    notify = BooleanField("Notify subscribers", default=True)


class EditUpdateForm(AdminForm):
    message = text_field("Message", MAX_MESSAGE, area=True)


class PostmortemForm(AdminForm):
    service_fields = {"postmortem": "body"}

    body = text_field("Postmortem", MAX_POSTMORTEM, area=True)
    action = StringField()  # which button was pressed
    notify = BooleanField("Notify subscribers", default=True)

    @property
    def publish(self) -> bool:
        return self.action.data == "publish"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.action.data not in POSTMORTEM_ACTIONS:
            self.form_errors.append("Choose “Save draft” or “Publish”.")
            return False
        return valid


class PastUpdateRow(Form):
    status = choice_field("Status", INCIDENT_STATUS_CHOICES, IncidentStatus.INVESTIGATING)
    # Read by BackfillForm, which names the row in its messages.
    at = DateTimeInputField("Time", filters=[strip])
    message = TextAreaField("Message", [Optional(), AtMost(MAX_MESSAGE)])

    @property
    def is_empty(self) -> bool:
        return not (self.at.data or "").strip() and not (self.message.data or "").strip()


class BackfillForm(OffersComponents, Classification, AdminForm):
    """A past incident: its updates are the rows that are not left empty.

    After validation, `past_updates` holds them with their times read in the page's zone.
    """

    title = text_field("Title", MAX_TITLE)
    impact = choice_field("Impact", IMPACT_CHOICES, Impact.MINOR)
    updates = FieldList(
        FormField(PastUpdateRow), min_entries=len(BACKFILL_DEFAULTS), max_entries=10
    )
    components = ComponentStatusesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.past_updates: list[PastUpdate] = []
        if not self.is_submitted():
            for row, status in zip(self.updates, BACKFILL_DEFAULTS, strict=False):
                row.status.data = status

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        zone = page_zone()
        try:
            self.past_updates = [
                PastUpdate(
                    status=row.status.data,
                    message=row.message.data or "",
                    at=parse_local_datetime(row.at.data, zone, f"time of update {index}"),
                )
                for index, row in enumerate(self.updates, start=1)
                if not row.is_empty
            ]
        except Invalid as exc:
            self.form_errors.append(exc.message)
            return False
        return valid
