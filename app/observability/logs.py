"""Log lines for operators: JSON objects, one per line (or plain text for development).

`HERALD_LOG_FORMAT=json|text` chooses; JSON is the default under the production
gunicorn config and with HERALD_ENV=production, text otherwise (`flask serve`
on a laptop). Every line has `ts` (UTC, ISO 8601), `level`, `logger` and `msg`;
events add their own fields (see README, "Logs"). Lines written inside a request
carry its `request_id`.

The request log (one line per request, app/observability/requests.py) is written
straight to stderr by `write_line`, not through `logging`: the logging module
costs several times more than the fast path's whole answer.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback

REQUEST_ID = "herald.request_id"  # environ key
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "fields"}
_write_lock = threading.Lock()
_format = {"value": "text"}


def timestamp(now: float | None = None) -> str:
    now = time.time() if now is None else now
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def current_format() -> str:
    return _format["value"]


def write_line(fields: dict) -> None:
    """Write one event (a dict with `level`, `logger`, `msg` and its own fields) to stderr."""
    if _format["value"] == "json":
        line = json.dumps({"ts": timestamp(), **fields}, default=str, ensure_ascii=False)
    else:
        line = _text_line(fields)
    with _write_lock:
        sys.stderr.write(line + "\n")


def _text_line(fields: dict) -> str:
    rest = " ".join(
        f"{key}={value}" for key, value in fields.items() if key not in ("level", "logger", "msg")
    )
    level = str(fields.get("level", "info")).upper()
    return f"{timestamp()} {level} {fields.get('logger', 'herald')}: {fields.get('msg', '')} {rest}"


def _request_id() -> str | None:
    from flask import has_request_context, request

    if has_request_context():
        return request.environ.get(REQUEST_ID)
    return None


def _extra_fields(record: logging.LogRecord) -> dict:
    fields = dict(getattr(record, "fields", None) or {})
    for key, value in vars(record).items():
        if key not in _RESERVED and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    """A LogRecord as one JSON object: ts, level, logger, msg, request_id, its fields."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if request_id := _request_id():
            out["request_id"] = request_id
        out.update(_extra_fields(record))
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A LogRecord as one readable line, its fields as key=value after the message."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _extra_fields(record)
        if request_id := _request_id():
            fields["request_id"] = request_id
        rest = "".join(f" {key}={value}" for key, value in fields.items())
        line = f"{timestamp(record.created)} {record.levelname} {record.name}: "
        line += record.getMessage() + rest
        if record.exc_info:
            line += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return line


def formatter(name: str) -> logging.Formatter:
    return JsonFormatter() if name == "json" else TextFormatter()


class HeraldHandler(logging.StreamHandler):
    """The one handler Herald installs (on the root logger), writing to stderr."""

    def __init__(self):
        super().__init__()
        self.stream = None  # sys.stderr as it is at each write (tests replace it)

    def emit(self, record):
        self.stream = sys.stderr
        super().emit(record)


def configure(log_format: str) -> None:
    """Send Herald's and every library's warnings to stderr in `log_format`; idempotent."""
    _format["value"] = log_format
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, HeraldHandler)), None)
    if handler is None:
        handler = HeraldHandler()
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    # alembic: the migrations' progress ("Running upgrade …") is news to an operator.
    for name in ("herald", "app", "alembic"):
        logging.getLogger(name).setLevel(logging.INFO)


def configured() -> bool:
    """Whether `configure` has set up this process's logging (and nothing removed it since)."""
    return any(isinstance(h, HeraldHandler) for h in logging.getLogger().handlers)


def event(logger: logging.Logger, msg: str, level: int = logging.INFO, **fields) -> None:
    """Log `msg` with structured fields (JSON keys, or key=value in text)."""
    logger.log(level, msg, extra={"fields": fields})
