"""Forms of the maintenance pages: schedule, post an update, reschedule."""

from __future__ import annotations

from wtforms import BooleanField

from app.admin.fields import ComponentIdsField, LocalDateTimeField, OffersComponents
from app.admin.forms import AdminForm, choice_field, enum_choices, text_field
from app.models import Incident, IncidentStatus
from app.models.enums import MAINTENANCE_STATUSES
from app.services.incidents import MAX_MESSAGE, MAX_TITLE

MAINTENANCE_STATUS_CHOICES = enum_choices(MAINTENANCE_STATUSES)
# The services name the window's end `scheduled_until`; the forms call it `ends`.
_WINDOW_FIELDS = {"scheduled_for": "starts", "scheduled_until": "ends"}


class MaintenanceForm(OffersComponents, AdminForm):
    service_fields = _WINDOW_FIELDS

    title = text_field("Title", MAX_TITLE)
    starts = LocalDateTimeField("Starts", "start")
    ends = LocalDateTimeField("Ends", "end")
    message = text_field("Message", MAX_MESSAGE, area=True)
    components = ComponentIdsField()
    notify = BooleanField("Notify subscribers", default=True)


class RescheduleForm(AdminForm):
    service_fields = _WINDOW_FIELDS

    starts = LocalDateTimeField("Starts", "start")
    ends = LocalDateTimeField("Ends", "end")

    @classmethod
    def showing(cls, maintenance: Incident) -> RescheduleForm:
        """The form before a submit, showing the window as it is."""
        return cls(
            formdata=None,
            data={"starts": maintenance.scheduled_for, "ends": maintenance.scheduled_until},
        )


class MaintenanceUpdateForm(AdminForm):
    status = choice_field("Status", MAINTENANCE_STATUS_CHOICES)
    message = text_field("Message", MAX_MESSAGE, area=True)
    notify = BooleanField("Notify subscribers", default=True)

    def offer_after(self, current: IncidentStatus) -> None:
        """Offer only `current` and what follows it (maintenance moves forward);
        preselect the next step unless one of those was sent."""
        later = list(MAINTENANCE_STATUSES[MAINTENANCE_STATUSES.index(current) :])
        self.status.choices = enum_choices(later)
        if self.status.data not in later:
            self.status.data = later[min(1, len(later) - 1)]
