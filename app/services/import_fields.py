"""Reading one imported JSON object: each value checked, errors naming where it is.

A path such as `incidents[3].updates[0].status` tells the person fixing the file
exactly which value to look at.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import date, datetime

from app.services import validate
from app.services.errors import Invalid

_CODE = re.compile(r"^[a-z0-9]{1,12}$")


class Fields:
    """One JSON object at `path`."""

    def __init__(self, value, path: str):
        if not isinstance(value, dict):
            raise Invalid(f"{path}: must be an object.")
        self.value, self.path = value, path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, *, required: bool = True):
        value = self.value.get(key)
        if value is None and required:
            raise Invalid(f"{self.at(key)}: is required.")
        return value

    def text(self, key: str, max_len: int, *, required=True, multiline=False) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise Invalid(f"{self.at(key)}: must be a string.")
        try:
            return validate.text(
                value, "it", max_len=max_len, required=required, multiline=multiline
            )
        except Invalid as exc:
            raise self.refused(key, exc) from exc

    def refused(self, key: str, exc: Invalid) -> Invalid:
        """A check's refusal of the value at `key`, named by its place in the file."""
        message = exc.message
        # The checks' messages start with the field's label ("It is too long…"); an
        # abbreviation ("SVG images…") keeps its capitals.
        if message[1:2].islower():
            message = message[:1].lower() + message[1:]
        return Invalid(f"{self.at(key)}: {message}")

    def check(self, key: str, parse: Callable, *, required: bool = True):
        """The value parsed by a service's own parser; its refusal names this place."""
        value = self.raw(key, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except Invalid as exc:
            raise self.refused(key, exc) from exc

    def binary(self, key: str) -> bytes:
        """Bytes written as base64 (the standard alphabet, with padding)."""
        value = self.raw(key)
        if not isinstance(value, str):
            raise Invalid(f"{self.at(key)}: must be a base64 string.")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid(f"{self.at(key)}: is not valid base64 ({exc}).") from exc

    def codes(self, key: str) -> list[str]:
        """A list of component codes (optional: none)."""
        value = self.raw(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(f"{self.at(key)}: must be a list.")
        for index, code in enumerate(value):
            if not isinstance(code, str) or not _CODE.match(code):
                raise Invalid(
                    f"{self.at(key)}[{index}]: must be 1 to 12 lowercase letters or digits."
                )
        return value

    def url(self, key: str) -> str | None:
        value = self.raw(key, required=False)
        if value is not None and not isinstance(value, str):
            raise Invalid(f"{self.at(key)}: must be a string.")
        try:
            return validate.http_url(value, "it")
        except Invalid as exc:
            raise self.refused(key, exc) from exc

    def code(self, key: str, *, required=True) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not _CODE.match(value):
            raise Invalid(f"{self.at(key)}: must be 1 to 12 lowercase letters or digits.")
        return value

    def choice(self, key: str, allowed, *, required=True):
        value = self.raw(key, required=required)
        if value is None:
            return None
        names = [str(a) for a in allowed]
        if value not in names:
            raise Invalid(f"{self.at(key)}: must be one of {', '.join(names)} (not {value!r}).")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.value.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise Invalid(f"{self.at(key)}: must be true or false.")
        return value

    def integer(self, key: str, *, required=True, default: int | None = None) -> int | None:
        value = self.value.get(key, default)
        if value is None:
            if required:
                raise Invalid(f"{self.at(key)}: is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
            raise Invalid(f"{self.at(key)}: must be a whole number from 0 to 2147483647.")
        return value

    def time(self, key: str, *, required=True) -> datetime | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise Invalid(
                f"{self.at(key)}: must be an ISO 8601 time with a time zone, such as "
                "2024-05-01T12:30:00Z."
            )
        return parsed

    def day(self, key: str) -> date | None:
        value = self.raw(key, required=False)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise Invalid(f"{self.at(key)}: must be a date such as 2024-05-01.") from exc

    def items(self, key: str, *, required=False) -> list[Fields]:
        value = self.raw(key, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(f"{self.at(key)}: must be a list.")
        return [Fields(item, f"{self.at(key)}[{index}]") for index, item in enumerate(value)]

    def child(self, key: str) -> Fields | None:
        value = self.raw(key, required=False)
        return None if value is None else Fields(value, self.at(key))
