"""Small input checks shared by the services."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TypeVar
from urllib.parse import urlsplit

from app.services.errors import Invalid
from app.text import UnshowableText, clean_block, clean_line

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
E = TypeVar("E", bound=Enum)
MAX_URL = 500


def _label(field: str) -> str:
    """`field` as the start of a sentence, keeping capitals such as URL."""
    return field[:1].upper() + field[1:]


def text(
    value: str | None, field: str, *, max_len: int, required: bool = True, multiline: bool = False
) -> str | None:
    """`value` cleaned by the text rule (app/text.py) and stripped; refused when required
    and empty, longer than `max_len`, or, unless `multiline`, holding a line break or an
    unshowable character."""
    # Stripped first: a line break or tab around a one-line value is no reason to refuse it.
    value = (value or "").strip()
    try:
        value = (clean_block(value) if multiline else clean_line(value)).strip()
    except UnshowableText as exc:
        raise Invalid(exc.message(_label(field)), field) from exc
    if not value:
        if required:
            raise Invalid(f"{_label(field)} is required.", field)
        return None
    if len(value) > max_len:
        raise Invalid(f"{_label(field)} is too long (at most {max_len} characters).", field)
    return value


def http_url(value: str | None, field: str) -> str | None:
    value = text(value, field, max_len=MAX_URL, required=False)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"{_label(field)} must be an http:// or https:// address.", field)
    return value


def color(value: str | None, field: str = "accent colour") -> str:
    value = (value or "").strip()
    if not _COLOR.match(value):
        raise Invalid(f"{_label(field)} must look like #1f6feb.", field)
    return value.lower()


def aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise Invalid(f"{_label(field)} needs a time zone.", field)
    return value


def choice(allowed: Iterable[E], value, field: str, *, label: str | None = None) -> E:
    """The member of `allowed` (an enum, or some of its members) that `value` spells.

    Anything else is refused with a message naming every allowed value, for
    `field`; `label` names it in the message when the field's name would not.
    """
    members = list(allowed)
    for member in members:
        if value == member.value:
            return member
    names = ", ".join(member.value for member in members)
    raise Invalid(f"{_label(label or field)} must be one of: {names}.", field)
