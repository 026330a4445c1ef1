"""Request fields, declared once: each parses a JSON value and describes itself in the
OpenAPI document, so the document says exactly what the parser accepts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from app.models import ComponentStatus

_CODE = re.compile(r"^[0-9a-z]{1,32}$")
_ROW_ID = re.compile(r"^[0-9]{1,10}$")
MAX_ROW_ID = 2**31 - 1
MAX_ITEMS = 500


class FieldError(ValueError):
    """What is wrong with one field's value, said to the client."""


@dataclass(frozen=True)
class Field:
    schema: dict
    parse_value: Any  # (value) -> parsed, raising FieldError
    nullable: bool = False

    def parse(self, value):
        if value is None:
            if self.nullable:
                return None
            raise FieldError("Must not be null.")
        return self.parse_value(value)

    def openapi(self) -> dict:
        if self.nullable:
            return {**self.schema, "type": [self.schema["type"], "null"]}
        return self.schema


def string(max_len: int, *, nullable: bool = False, min_len: int = 0) -> Field:
    def parse(value):
        if not isinstance(value, str):
            raise FieldError("Must be a string.")
        if len(value) > max_len:
            raise FieldError(f"Too long (at most {max_len} characters).")
        return value

    return Field({"type": "string", "maxLength": max_len}, parse, nullable)


def boolean(*, nullable: bool = False) -> Field:
    def parse(value):
        if not isinstance(value, bool):
            raise FieldError("Must be true or false.")
        return value

    return Field({"type": "boolean"}, parse, nullable)


def choice(members: Iterable[Enum], *, nullable: bool = False) -> Field:
    values = [m.value for m in members]

    def parse(value):
        if value not in values:
            raise FieldError(f"Must be one of: {', '.join(values)}.")
        return value

    return Field({"type": "string", "enum": values}, parse, nullable)


def timestamp(*, nullable: bool = False) -> Field:
    def parse(value):
        if not isinstance(value, str) or len(value) > 40:
            raise FieldError("Must be an ISO 8601 time with an offset, e.g. 2026-05-01T10:00:00Z.")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise FieldError(
                "Must be an ISO 8601 time with an offset, e.g. 2026-05-01T10:00:00Z."
            ) from None
        if parsed.tzinfo is None:
            raise FieldError("Needs an offset or Z: 2026-05-01T10:00:00Z.")
        return parsed

    return Field({"type": "string", "format": "date-time"}, parse, nullable)


def row_id(what: str) -> Field:
    """A numeric id as a string ("42"), as /api/v1 shows incidents' and templates' ids."""

    def parse(value):
        if not isinstance(value, str) or not _ROW_ID.match(value) or int(value) > MAX_ROW_ID:
            raise FieldError(f'Must be the id of {what}, a string of digits such as "3".')
        return int(value)

    return Field({"type": "string", "pattern": _ROW_ID.pattern}, parse)


def _code(value) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise FieldError("Component ids are short lowercase codes, as /api/v2 shows them.")
    return value


def id_list(*, nullable: bool = False) -> Field:
    def parse(value):
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            raise FieldError(f"Must be a list of at most {MAX_ITEMS} component ids.")
        return list(dict.fromkeys(_code(item) for item in value))

    schema = {
        "type": "array",
        "maxItems": MAX_ITEMS,
        "items": {"type": "string", "pattern": _CODE.pattern},
    }
    return Field(schema, parse, nullable)


def status_map() -> Field:
    """`{component_id: status}`, Statuspage's `components` of an incident."""
    statuses = [s.value for s in ComponentStatus]

    def parse(value):
        if not isinstance(value, dict) or len(value) > MAX_ITEMS:
            raise FieldError('Must map component ids to statuses, e.g. {"abc": "major_outage"}.')
        out = {}
        for key, status in value.items():
            _code(key)
            if status not in statuses:
                raise FieldError(f"The status of {key} must be one of: {', '.join(statuses)}.")
            out[key] = status
        return out

    schema = {
        "type": "object",
        "maxProperties": MAX_ITEMS,
        "propertyNames": {"pattern": _CODE.pattern},
        "additionalProperties": {"type": "string", "enum": statuses},
    }
    return Field(schema, parse)


@dataclass(frozen=True)
class Body:
    """A JSON body: bare, or wrapped in `{wrapper: {...}}` as Statuspage clients send it."""

    wrapper: str
    fields: dict[str, Field]
    required: tuple[str, ...] = ()
    # At least one of these must be sent (a name, or a template that gives one).
    one_of: tuple[str, ...] = ()

    @property
    def needs_body(self) -> bool:
        return bool(self.required or self.one_of)

    def object_schema(self) -> dict:
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: f.openapi() for name, f in self.fields.items()},
            "required": list(self.required),
        }
        if self.one_of:
            schema["anyOf"] = [{"required": [name]} for name in self.one_of]
        return schema

    def openapi(self) -> dict:
        inner = self.object_schema()
        wrapped = {
            "type": "object",
            "additionalProperties": False,
            "required": [self.wrapper],
            "properties": {self.wrapper: inner},
        }
        return {"oneOf": [inner, wrapped]} if self.needs_body else {"anyOf": [inner, wrapped]}


@dataclass(frozen=True)
class Payload:
    """A body in a sender's own format (an alert webhook), read by its own parser: only
    its schema is declared here, for the OpenAPI document."""

    schema: dict
    required: tuple[str, ...] = ()

    @property
    def needs_body(self) -> bool:
        return bool(self.required)

    def openapi(self) -> dict:
        return self.schema
