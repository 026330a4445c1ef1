"""Forms of the maintenance pages: schedule, record past, edit, post an update, reschedule."""

from __future__ import annotations

from datetime import timedelta

from wtforms import BooleanField

from app.admin.fields import ComponentIdsField, LocalDateTimeField, OffersComponents
from app.admin.forms import AdminForm, choice_field, enum_choices, text_field
from app.models import Cadence, Incident, IncidentStatus, MaintenanceSeries
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


class PastMaintenanceForm(MaintenanceForm):
    """The same fields, for a window that is over: `record_past_maintenance`."""

    service_fields = {**_WINDOW_FIELDS, "started_at": "starts", "ended_at": "ends"}


class EditMaintenanceForm(OffersComponents, AdminForm):
    """Title, components and window; once started, the start is shown, not asked."""

    service_fields = _WINDOW_FIELDS

    title = text_field("Title", MAX_TITLE)
    starts = LocalDateTimeField("Starts", "start")
    ends = LocalDateTimeField("Ends", "end")
    components = ComponentIdsField()

    @classmethod
    def showing(cls, maintenance: Incident, offered) -> EditMaintenanceForm:
        """The form as the maintenance is; the window it really ran in once completed."""
        completed = maintenance.status == IncidentStatus.COMPLETED
        return cls(
            formdata=None,
            offered=offered,
            data={
                "title": maintenance.name,
                "starts": maintenance.started_at if completed else maintenance.scheduled_for,
                "ends": maintenance.resolved_at if completed else maintenance.scheduled_until,
                "components": [a.component_id for a in maintenance.affected if a.component_id],
            },
        )

    def asks_start(self, maintenance: Incident) -> bool:
        return maintenance.status in (IncidentStatus.SCHEDULED, IncidentStatus.COMPLETED)


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


class SeriesForm(OffersComponents, AdminForm):
    """A recurring maintenance: its first window, and how often it comes back."""

    service_fields = {**_WINDOW_FIELDS, "start": "starts", "end": "ends"}

    title = text_field("Title", MAX_TITLE)
    cadence = choice_field("Repeats", enum_choices(Cadence), default=Cadence.WEEKLY.value)
    starts = LocalDateTimeField("First window starts", "start")
    ends = LocalDateTimeField("First window ends", "end")
    message = text_field("Message", MAX_MESSAGE, area=True)
    components = ComponentIdsField()

    @classmethod
    def showing(cls, series: MaintenanceSeries, offered) -> SeriesForm:
        return cls(
            formdata=None,
            offered=offered,
            data={
                "title": series.name,
                "cadence": series.cadence.value,
                "starts": series.first_start,
                "ends": series.first_start + timedelta(minutes=series.duration_minutes),
                "message": series.message,
                "components": list(series.component_ids),
            },
        )
