"""The metrics page's choices (period, custom days, component): a GET form read from the
query string, so a period is a link, and what cannot be used is said next to its field."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from flask import request
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from app.admin.forms import AdminForm, choice_field, choices, strip
from app.admin.parsers import optional_int
from app.models import Component
from app.services import metrics
from app.services.errors import Invalid

PERIODS = {**{str(days): f"Last {days} days" for days in metrics.PRESETS}, "custom": "Custom"}
DEFAULT_PERIOD = "30"


def day(raw: str | None, field: str) -> date:
    """The day `raw` ("2026-05-01") sent as `field` ("since" or "until")."""
    raw = (raw or "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        what = "start" if field == "since" else "end"
        message = f"The {what} date “{raw[:20]}” is not a date like 2026-05-01."
        raise Invalid(message, field) from None


class DayField(StringField):
    """A date input that keeps what was sent when it is a day.

    Anything else is left out of its value: a date input cannot hold it (browsers show it
    empty, and it is invalid HTML), and the field's error message quotes it instead.
    """

    widget = DateInput()

    def _value(self) -> str:
        try:
            return day(self.data, self.name).isoformat()
        except Invalid:
            return ""


class MetricsForm(AdminForm):
    """Which days and which component the figures are for; nothing is saved."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    period = SelectField(
        "Period", choices=choices(PERIODS.items()), default=DEFAULT_PERIOD, validate_choice=False
    )
    since = DayField("From (custom)", filters=[strip])
    until = DayField("To (custom)", filters=[strip])
    component = choice_field("Component", [], default="")
    components: list[Component]  # those on offer, set by from_query

    @classmethod
    def from_query(cls, components: list[Component]) -> MetricsForm:
        form = cls(formdata=request.args if request.args else None)
        form.components = components
        form.component.choices = choices(
            [("", "All components"), *((str(c.id), c.name) for c in components)]
        )
        return form

    def validate_period(self, field) -> None:
        if field.data not in PERIODS:
            raise ValidationError(f"The period must be one of: {', '.join(PERIODS)}.")

    def validate_since(self, field) -> None:
        self._check_day(field)

    def validate_until(self, field) -> None:
        self._check_day(field)

    def _check_day(self, field) -> None:
        # The days of a preset period are the page's own (it fills them in): only a custom
        # period reads them.
        if self.period.data == "custom":
            try:
                day(field.data, field.name)
            except Invalid as exc:
                raise ValidationError(exc.message) from exc

    def validate_component(self, field) -> None:
        try:
            self.chosen()
        except Invalid as exc:
            raise ValidationError(exc.message) from exc

    def chosen(self) -> Component | None:
        """The component asked for, or None for all (raises Invalid for one not on offer)."""
        wanted = optional_int(self.component.data, "component")
        if wanted is None:
            return None
        found = next((c for c in self.components if c.id == wanted), None)
        if found is None:
            raise Invalid("There is no such component.", "component")
        return found

    def span(self, *, now: datetime, tz: tzinfo) -> metrics.Period:
        """The period asked for (raises Invalid, naming the field, for one the service refuses)."""
        if self.period.data == "custom":
            first, last = day(self.since.data, "since"), day(self.until.data, "until")
            return metrics.period(first, last, now=now, tz=tz)
        return metrics.last_days(int(self.period.data), now=now, tz=tz)

    def show(self, span: metrics.Period) -> None:
        """Fill the days in with `span`'s, so "Custom" starts from the period on show."""
        self.since.data, self.until.data = span.first.isoformat(), span.last.isoformat()
