"""Forms and small input parsers for components, incidents and maintenance.

The forms check the shape of what was sent (required, length) so a manager sees
the message next to the field; the services stay the authority on every rule.
CSRF is checked for every POST by the app-wide CSRFProtect, so the forms do not
carry their own token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import DateTimeLocalInput

from app.models import ComponentStatus, Impact
from app.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from app.services.errors import Invalid, NotFound, ServiceError

MAX_MESSAGE = 20_000
BACKFILL_ROWS = 5
COMPONENT_FIELD = "component-"


def choices(pairs) -> list[SelectChoice]:
    """`(value, label)` pairs as the choices of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]


COMPONENT_STATUS_CHOICES = choices((s.value, s.label) for s in ComponentStatus)
IMPACT_CHOICES = choices((i.value, i.label) for i in Impact)
INCIDENT_STATUS_CHOICES = choices((s.value, s.label) for s in INCIDENT_STATUSES)
MAINTENANCE_STATUS_CHOICES = choices((s.value, s.label) for s in MAINTENANCE_STATUSES)


class _Form(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect already refused any POST without a valid token


def _required(what: str):
    return InputRequired(message=f"{what} is required.")


def _at_most(what: str, n: int):
    return Length(max=n, message=f"{what} is too long (at most {n} characters).")


def _text(label: str, n: int, *, required=True, area=False, **kwargs):
    field = TextAreaField if area else StringField
    checks = [_required(label) if required else Optional(), _at_most(label, n)]
    return field(label, checks, filters=[_strip], **kwargs)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _choice(label: str, choices, default=None):
    # The services name the allowed values when something else is sent.
    return SelectField(label, choices=choices, default=default, validate_choice=False)


class ComponentForm(_Form):
    name = _text("Name", 100)
    description = _text("Description", 2000, required=False, area=True)
    group_id = _choice("Group", [])
    status = _choice("Status", COMPONENT_STATUS_CHOICES, ComponentStatus.OPERATIONAL.value)


class GroupForm(_Form):
    name = _text("Name", 100)
    description = _text("Description", 2000, required=False, area=True)


class IncidentForm(_Form):
    title = _text("Title", 200)
    impact = _choice("Impact", IMPACT_CHOICES, Impact.MINOR.value)
    status = _choice("Status", INCIDENT_STATUS_CHOICES[:3], "investigating")
    message = _text("Message", MAX_MESSAGE, area=True)


class EditIncidentForm(_Form):
    title = _text("Title", 200)
    impact = _choice("Impact", IMPACT_CHOICES)


class UpdateForm(_Form):
    status = _choice("Status", INCIDENT_STATUS_CHOICES)
    impact = _choice("Impact", IMPACT_CHOICES)
    message = _text("Message", MAX_MESSAGE, area=True)
    restore_components = BooleanField("Return affected components to operational", default=True)
    reopen = BooleanField("Reopen the incident", default=False)


class EditUpdateForm(_Form):
    message = _text("Message", MAX_MESSAGE, area=True)


class PostmortemForm(_Form):
    body = _text("Postmortem", 100_000, area=True)


class PastUpdateRow(Form):
    status = _choice("Status", INCIDENT_STATUS_CHOICES, "investigating")
    at = StringField("Time", filters=[_strip], widget=DateTimeLocalInput())
    message = TextAreaField("Message", [Optional(), _at_most("Message", MAX_MESSAGE)])

    @property
    def is_empty(self) -> bool:
        return not (self.at.data or "").strip() and not (self.message.data or "").strip()


class BackfillForm(_Form):
    title = _text("Title", 200)
    impact = _choice("Impact", IMPACT_CHOICES, Impact.MINOR.value)
    updates = FieldList(FormField(PastUpdateRow), min_entries=BACKFILL_ROWS, max_entries=10)


class MaintenanceForm(_Form):
    title = _text("Title", 200)
    # Read by parse_local_datetime, which knows the page's time zone.
    starts = StringField("Starts", filters=[_strip], widget=DateTimeLocalInput())
    ends = StringField("Ends", filters=[_strip], widget=DateTimeLocalInput())
    message = _text("Message", MAX_MESSAGE, area=True)


class RescheduleForm(_Form):
    # Read by parse_local_datetime, which knows the page's time zone.
    starts = StringField("Starts", filters=[_strip], widget=DateTimeLocalInput())
    ends = StringField("Ends", filters=[_strip], widget=DateTimeLocalInput())


class MaintenanceUpdateForm(_Form):
    status = _choice("Status", MAINTENANCE_STATUS_CHOICES)
    message = _text("Message", MAX_MESSAGE, area=True)


def failure_status(exc: ServiceError) -> int:
    """A form refused by a service answers 400, even when it named a missing component."""
    return 400 if isinstance(exc, NotFound) else exc.status_code


def add_error(form: FlaskForm, message: str, field: str | None = None) -> None:
    """Show a service's message next to its field when the form has one, else on top."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
        target.errors.append(message)
    else:
        form.form_errors.append(message)


_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def parse_local_datetime(value: str | None, zone: ZoneInfo, what: str = "time") -> datetime:
    """Read a `datetime-local` value as a time in `zone`; an aware UTC datetime.

    Refuses what is empty or unreadable, and a wall-clock time that does not
    exist in `zone` (skipped when clocks go forward).
    """
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{what.capitalize()} is required.", what)
    for fmt in _FORMATS:
        try:
            naive = datetime.strptime(value, fmt)  # naive; the zone is added below
            break
        except ValueError:
            continue
    else:
        raise Invalid(
            f"{what.capitalize()} “{value[:40]}” is not a date and time like 2024-05-01T14:30.",
            what,
        )
    local = naive.replace(tzinfo=zone)
    try:
        utc = local.astimezone(UTC)
    except OverflowError as exc:
        raise Invalid(f"{what.capitalize()} is out of range.", what) from exc
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise Invalid(
            f"{what.capitalize()} {naive:%Y-%m-%d %H:%M} does not exist in {zone.key} "
            "(the clocks skip it).",
            what,
        )
    if not 1970 <= utc.year <= 9998:
        raise Invalid(f"{what.capitalize()} is out of range.", what)
    return utc


def local_input_value(value: datetime | None, zone: ZoneInfo) -> str:
    """An aware datetime as a `datetime-local` value in `zone`."""
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""


def _is_id(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) < 10


def component_statuses(form: Mapping[str, str], known_ids: Iterable[int]) -> dict[int, str]:
    """Read the per-component `<select name="component-ID">` values.

    A blank value ("Not affected" / "No change") is left out. Unknown ids are
    refused here so the manager sees the form again, not a missing page.
    """
    known = set(known_ids)
    chosen: dict[int, str] = {}
    for key in form:
        if not key.startswith(COMPONENT_FIELD):
            continue
        raw_id = key[len(COMPONENT_FIELD) :]
        if not _is_id(raw_id) or int(raw_id) not in known:
            raise Invalid(f"There is no component with id “{raw_id[:20]}”.", "components")
        value = (form.get(key) or "").strip()
        if value:
            if value not in {s.value for s in ComponentStatus}:
                allowed = ", ".join(s.value for s in ComponentStatus)
                raise Invalid(f"Component status must be one of: {allowed}.", "components")
            chosen[int(raw_id)] = value
    return chosen


def component_ids(values: Iterable[str], known_ids: Iterable[int]) -> list[int]:
    """Read ticked component checkboxes, refusing ids that are not components."""
    known = set(known_ids)
    chosen: list[int] = []
    for raw in values:
        if not _is_id(raw) or int(raw) not in known:
            raise Invalid(f"There is no component with id “{raw[:20]}”.", "components")
        if int(raw) not in chosen:
            chosen.append(int(raw))
    return chosen


def optional_int(value: str | None, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _is_id(value):
        raise Invalid(f"{what.capitalize()} must be chosen from the list.", what)
    return int(value)


def page_number(value: str | None) -> int:
    """The `?page=` of a list: a whole number from 1."""
    if value is None:
        return 1
    if not _is_id(value) or int(value) < 1:
        raise Invalid("The page number must be a whole number from 1.", "page")
    return int(value)
