"""Reading what the admin pages send that is not a plain form field: page numbers, ids,
per-component selects and `datetime-local` values in the page's time zone.

Each parser returns a clean value or raises `Invalid` with a message for the manager;
`requested_page` and `check_page`, for list views, answer 400 and 404 themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, request

from app.models import ComponentStatus
from app.services.components import parse_status
from app.services.errors import Invalid

COMPONENT_FIELD = "component-"
_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _is_id(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) < 10


def page_number(value: str | None) -> int:
    """The `?page=` of a list: a whole number from 1."""
    if value is None:
        return 1
    if not _is_id(value) or int(value) < 1:
        raise Invalid("The page number must be a whole number from 1.", "page")
    return int(value)


def requested_page() -> int:
    """The `?page=` of the list being viewed; a 400 naming the mistake if it is no page number."""
    try:
        return page_number(request.args.get("page"))
    except Invalid as exc:
        abort(400, exc.message)


def requested_choice(name: str, allowed: Mapping[str, str]) -> str:
    """A list's `?name=` filter or order: one of `allowed`'s keys ("" when absent); a 400
    naming the allowed values otherwise."""
    value = request.args.get(name, "")
    if value not in allowed:
        names = ", ".join(k for k in allowed if k)
        abort(400, f"The {name} must be one of: {names}.")
    return value


def check_page(page: int, pages: int) -> None:
    """A page past the last one is a 404 that names the last page."""
    if page > pages:
        abort(404, f"There is no page {page}; the last page is {pages}.")


def optional_int(value: str | None, what: str) -> int | None:
    """The id chosen in a select with a blank first option, or None for the blank."""
    value = (value or "").strip()
    if not value:
        return None
    if not _is_id(value):
        raise Invalid(f"{what.capitalize()} must be chosen from the list.", what)
    return int(value)


def direction(value: str | None) -> int:
    """An "up" or "down" button as -1 or +1."""
    if value not in ("up", "down"):
        raise Invalid("Direction must be up or down.", "direction")
    return -1 if value == "up" else 1


def _known_id(raw: str, known: set[int]) -> int:
    if not _is_id(raw) or int(raw) not in known:
        raise Invalid(f"There is no component with id “{raw[:20]}”.", "components")
    return int(raw)


def component_statuses(
    form: Mapping[str, str], known_ids: Iterable[int]
) -> dict[int, ComponentStatus]:
    """Read the per-component `<select name="component-ID">` values.

    A blank value ("Not affected" / "No change") is left out. Unknown ids are
    refused here so the manager sees the form again, not a missing page.
    """
    known = set(known_ids)
    chosen: dict[int, ComponentStatus] = {}
    for key in form:
        if key.startswith(COMPONENT_FIELD):
            component_id = _known_id(key[len(COMPONENT_FIELD) :], known)
            value = (form.get(key) or "").strip()
            if value:
                chosen[component_id] = parse_status(value, "components")
    return chosen


def component_ids(values: Iterable[str], known_ids: Iterable[int]) -> list[int]:
    """Read ticked component checkboxes, in order and once each, refusing unknown ids."""
    known = set(known_ids)
    return list(dict.fromkeys(_known_id(raw, known) for raw in values))


def parse_local_datetime(value: str | None, zone: ZoneInfo, what: str = "time") -> datetime:
    """Read a `datetime-local` value as a time in `zone`; an aware UTC datetime.

    Refuses what is empty or unreadable, and a wall-clock time that does not
    exist in `zone` (skipped when clocks go forward).
    """
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{what.capitalize()} is required.", what)
    naive = _naive(value)
    if naive is None:
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


def _naive(value: str) -> datetime | None:
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)  # naive; the caller adds the zone
        except ValueError:
            continue
    return None


def typed_input_value(value: str | None) -> str:
    """What was typed into a `datetime-local` input, as the input can show it again:
    normalised, or empty when it is no date and time (its message quotes it)."""
    naive = _naive((value or "").strip())
    return naive.strftime("%Y-%m-%dT%H:%M") if naive else ""


def local_input_value(value: datetime | None, zone: ZoneInfo) -> str:
    """An aware datetime as a `datetime-local` value in `zone`."""
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""
