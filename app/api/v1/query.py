"""Query-string filters of the list endpoints: checked, or a 400 naming the argument."""

from __future__ import annotations

from flask import request

from app.api.v1.errors import ApiError


def number(name: str, default: int, largest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= largest:
        raise ApiError(
            400, f"{name} must be a whole number from 1 to {largest}.", {name: "Out of range."}
        )
    return int(raw)


def member(name: str, enum):
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ApiError(
            400, f"{name} must be one of: {allowed}.", {name: "Unknown value."}
        ) from None


def text(name: str, largest: int = 200) -> str | None:
    raw = request.args.get(name)
    if raw is not None and len(raw) > largest:
        raise ApiError(
            400, f"{name} is too long (at most {largest} characters).", {name: "Too long."}
        )
    return raw
