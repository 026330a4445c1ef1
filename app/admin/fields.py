"""Form fields for inputs that are more than one string: times in the page's zone,
a status select per component, ticked components.

Each reads what was sent with a parser from `app.admin.parsers`, so a mistake is
shown with the form's other mistakes, next to its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from wtforms import Field, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import DateTimeLocalInput

from app.admin.parsers import (
    COMPONENT_FIELD,
    component_ids,
    component_statuses,
    local_input_value,
    parse_local_datetime,
    typed_input_value,
)
from app.models import Component
from app.services.errors import Invalid
from app.templating import page_zone


class DateTimeInputField(StringField):
    """A `datetime-local` input: `data` is what was typed, or an aware datetime to show
    (in the page's time zone). Its owner reads it, with `parse_local_datetime`."""

    widget = DateTimeLocalInput()

    def _value(self) -> str:
        if isinstance(self.data, datetime):
            return local_input_value(self.data, page_zone())
        # The input can only hold a date and time; what else was typed, the message quotes.
        return typed_input_value(self.data)


class LocalDateTimeField(DateTimeInputField):
    """A required `datetime-local` input, read in the page's time zone as it validates:
    then `moment` is the aware UTC time. `what` names it in messages."""

    def __init__(self, label: str, what: str, **kwargs):
        super().__init__(label, **kwargs)
        self.what = what
        self.moment: datetime | None = None

    def pre_validate(self, form) -> None:
        try:
            self.moment = parse_local_datetime(self.data, page_zone(), self.what)
        except Invalid as exc:
            raise StopValidation(exc.message) from exc


class ComponentStatusesField(Field):
    """One `<select name="component-ID">` per component, read as {id: ComponentStatus}.

    A blank select ("Not affected", "No change") is left out. The view sets
    `known` to the ids of the components on offer.
    """

    def __init__(self, label: str = "Components", **kwargs):
        super().__init__(label, **kwargs)
        self.known: list[int] = []
        self.sent: dict[str, str] = {}

    def process(self, formdata, data=None, extra_filters=None) -> None:
        self.process_errors = []
        self.data = {}
        self.sent = {
            key: formdata.get(key) for key in formdata or () if key.startswith(COMPONENT_FIELD)
        }

    def pre_validate(self, form) -> None:
        try:
            self.data = component_statuses(self.sent, self.known)
        except Invalid as exc:
            raise StopValidation(exc.message) from exc


class ComponentIdsField(Field):
    """Ticked `<input type="checkbox" name="components" value="ID">`: ids, in order, once.

    The view sets `known` to the ids of the components on offer.
    """

    def __init__(self, label: str = "Affected components", **kwargs):
        super().__init__(label, **kwargs)
        self.known: list[int] = []

    def process_formdata(self, valuelist) -> None:
        self.data = list(valuelist)

    def pre_validate(self, form) -> None:
        try:
            self.data = component_ids(self.data or [], self.known)
        except Invalid as exc:
            raise StopValidation(exc.message) from exc


class OffersComponents:
    """For a form with a `components` field: `offered` are the components it may name."""

    def __init__(self, *args, offered: Iterable[Component] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.components.known = [component.id for component in offered]
