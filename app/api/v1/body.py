"""Reading a JSON body: content type, size, syntax, wrapper, unknown fields, each field.

Everything is checked before any service runs, and every field's mistake is reported
at once; a refused body writes nothing.
"""

from __future__ import annotations

import json

from flask import current_app, request

from app.api.v1.errors import ApiError
from app.api.v1.fields import Body, FieldError
from app.text import describe, find_unshowable

DEFAULT_MAX_BODY = 256 * 1024


def max_body() -> int:
    return current_app.config.get("API_MAX_BODY", DEFAULT_MAX_BODY)


def body_bytes() -> bytes:
    """The request body (read once, then cached), or 413 past the API's limit."""
    too_large = ApiError(413, f"The body is larger than the {max_body() // 1024} KiB accepted.")
    length = request.content_length
    if length is not None and length > max_body():
        raise too_large
    data = request.get_data(cache=True)
    if len(data) > max_body():
        raise too_large
    return data


# No Herald or Statuspage body nests deeper than a handful of levels; deeper ones would
# only make later steps (validation, storing the idempotent answer) recurse.
MAX_DEPTH = 32
_TOO_DEEP = f"The body nests arrays or objects more than {MAX_DEPTH} levels deep."


def raw_json() -> object | None:
    """The request's JSON value, or None when it sent no body at all."""
    data = body_bytes()
    # A form body has already been read by the NUL check, so its bytes are gone: its
    # length still says that something was sent.
    if not data.strip() and not request.content_length:
        return None
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the body as JSON, with Content-Type: application/json.")
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise ApiError(400, _TOO_DEEP) from None
    except UnicodeDecodeError:
        raise ApiError(400, "The body is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except ValueError as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from None
    if _depth(value) > MAX_DEPTH:
        raise ApiError(400, _TOO_DEEP)
    return value


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in `value` (without recursion: it is untrusted)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            stack.extend((child, level) for child in _children(item))
    return deepest


def _children(item: dict | list):
    return item.values() if isinstance(item, dict) else item


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key[:40]!r} appears twice.")
        seen[key] = value
    return seen


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number.")


def _check_text(value, path: str) -> None:
    """No string anywhere may hold a control character: say where, since it is invisible."""
    if isinstance(value, str):
        index = find_unshowable(value)
        if index is not None:
            raise ApiError(
                422,
                f"{path or 'The body'} contains {describe(value[index])} at index {index}; "
                "remove it.",
                {path or "body": "Contains a control character."},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path)
            _check_text(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}[{index}]")


def read(spec: Body) -> dict:
    """The body's fields, parsed; only those sent. Raises ApiError (4xx) otherwise."""
    value = raw_json()
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ApiError(422, "The body must be a JSON object.")
    _check_text(value, "")
    if set(value) == {spec.wrapper} and isinstance(value[spec.wrapper], dict):
        value = value[spec.wrapper]
    elif spec.wrapper in value and spec.wrapper not in spec.fields:
        others = sorted(name[:40] for name in value if name != spec.wrapper)
        raise ApiError(
            422,
            f'Send the fields inside "{spec.wrapper}" or bare, not both: move '
            f"{', '.join(others)} into it.",
            {name: "Unknown field." for name in others},
        )
    errors: dict[str, str] = {}
    for name in value:
        if name not in spec.fields:
            errors[name] = "Unknown field."
    parsed = {}
    for name, field in spec.fields.items():
        if name not in value:
            if name in spec.required:
                errors[name] = "Required."
            continue
        try:
            parsed[name] = field.parse(value[name])
        except FieldError as exc:
            errors[name] = str(exc)
    if spec.one_of and not any(name in value for name in spec.one_of):
        errors[spec.one_of[0]] = f"Required (or send {' or '.join(spec.one_of[1:])})."
    if errors:
        unknown = sorted(k for k, v in errors.items() if v == "Unknown field.")
        message = (
            f"Unknown field {unknown[0][:40]!r}; allowed: {', '.join(spec.fields)}."
            if unknown
            else "Some fields are not valid; see fields."
        )
        raise ApiError(422, message, errors)
    return parsed
